package io.runtimed.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The upgrade rule's order: semantic-version precedence, build metadata ignored. */
class VersionOrderTest {
    @ParameterizedTest(name = "{0} is older than {1}")
    @CsvSource({
        "0.0.9+abc1234, 0.1.0+def5678",
        "0.1.0, 0.1.1",
        "0.9.0, 0.10.0",
        "0.1.0-dev.2+1a2b3c4, 0.1.0+1a2b3c4",
        "0.1.0-alpha, 0.1.0-alpha.1",
        "0.1.0-alpha.1, 0.1.0-alpha.beta",
        "0.1.0-alpha.9, 0.1.0-alpha.10",
        "0.1.0-beta.11, 0.1.0-rc.1",
        "garbage, 0.1.0",
        "'', 0.1.0",
        "0.1.0-a..b, 0.1.0",
        "0.1.0-., 0.1.0",
        "99999999999999999999.0.0, 100000000000000000000.0.0",
        "0.1.0-99999999999999999999999, 0.1.0-100000000000000000000000",
    })
    void older(String running, String ours) {
        assertThat(VersionOrder.isOlder(running, ours)).isTrue();
        assertThat(VersionOrder.isOlder(ours, running)).as("and never the other way round").isFalse();
    }

    @ParameterizedTest(name = "malformed {0} is neither older nor newer than malformed {1}, and does not throw")
    @CsvSource({
        "0.1.0-a..b, 0.1.0-a..c",
        "1.2, 1.2.3.4",
        "0.1.0-, x",
    })
    void malformedVersionsAreNotOrdered(String running, String ours) {
        assertThat(VersionOrder.isOlder(running, ours)).isFalse();
        assertThat(VersionOrder.isOlder(ours, running)).isFalse();
    }

    @ParameterizedTest(name = "{0} is not older than {1}")
    @CsvSource({
        "0.1.0+abc1234, 0.1.0+def5678",
        "0.1.0+abc1234, 0.1.0+unknown",
        "0.2.0, 0.1.0",
        "0.1.0, garbage",
        "garbage, also-garbage",
    })
    void notOlder(String running, String ours) {
        assertThat(VersionOrder.isOlder(running, ours)).isFalse();
    }
}
