package io.runtimed.pool;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void delaysDoubleUpToTheCapAndASuccessStartsOver() {
        Backoff b = new Backoff(Duration.ofSeconds(5), Duration.ofSeconds(30));
        assertThat(b.failed()).isEqualTo(Duration.ofSeconds(5));
        assertThat(b.failed()).isEqualTo(Duration.ofSeconds(10));
        assertThat(b.failed()).isEqualTo(Duration.ofSeconds(20));
        assertThat(b.failed()).isEqualTo(Duration.ofSeconds(30));
        for (int i = 0; i < 100; i++) {
            assertThat(b.failed()).isEqualTo(Duration.ofSeconds(30));
        }
        b.succeeded();
        assertThat(b.failed()).isEqualTo(Duration.ofSeconds(5));
    }
}
