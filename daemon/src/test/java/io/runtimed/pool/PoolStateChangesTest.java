package io.runtimed.pool;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A slow subscriber never holds up the pools: changes only bump a count, and a waiter skips to the latest. */
class PoolStateChangesTest {
    @Test
    void manyChangesWhileASubscriberIsBusyWakeItOnceWithTheLatestCount() throws Exception {
        PoolStateChanges changes = new PoolStateChanges();
        long seen = changes.version();
        for (int i = 0; i < 1000; i++) {
            changes.changed(); // never blocks, whoever is subscribed
        }
        long next = changes.awaitAfter(seen, () -> false);
        assertThat(next).isEqualTo(seen + 1000);
    }

    @Test
    void closingOrTheStopConditionEndsTheWait() throws Exception {
        PoolStateChanges changes = new PoolStateChanges();
        assertThat(changes.awaitAfter(changes.version(), () -> true)).isEqualTo(-1);
        changes.close();
        assertThat(changes.awaitAfter(changes.version(), () -> false)).isEqualTo(-1);
    }
}
