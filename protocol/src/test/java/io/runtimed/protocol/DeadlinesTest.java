package io.runtimed.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.Closeable;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DeadlinesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** A resource that counts how often it was closed. */
    private static final class Counted implements Closeable {
        final AtomicInteger closes = new AtomicInteger();

        @Override
        public void close() {
            closes.incrementAndGet();
        }
    }

    @Test
    void aShortDeadlineArmedAfterALongOneStillFiresFirst() {
        Counted longOne = new Counted();
        Counted shortOne = new Counted();
        try (Deadlines.Armed l = Deadlines.arm(longOne, Duration.ofMinutes(5));
             Deadlines.Armed s = Deadlines.arm(shortOne, Duration.ofMillis(50))) {
            await().atMost(WAIT).until(s::fired);
            assertThat(shortOne.closes).hasValue(1);
            assertThat(l.fired()).isFalse();
            assertThat(longOne.closes).hasValue(0);
        }
    }

    @Test
    void aDisarmedDeadlineNeverFiresWhileOthersDo() {
        Counted disarmed = new Counted();
        Deadlines.arm(disarmed, Duration.ofMillis(100)).close();
        Counted later = new Counted();
        Deadlines.Armed after = Deadlines.arm(later, Duration.ofMillis(300));
        await().atMost(WAIT).until(after::fired);
        assertThat(disarmed.closes).as("disarmed before its time").hasValue(0);
        assertThat(later.closes).hasValue(1);
    }

    @Test
    void noTimeoutNeverArms() {
        Counted never = new Counted();
        try (Deadlines.Armed none = Deadlines.arm(never, null)) {
            assertThat(none.fired()).isFalse();
        }
        assertThat(Deadlines.arm(never, Duration.ZERO).fired()).isFalse();
    }
}
