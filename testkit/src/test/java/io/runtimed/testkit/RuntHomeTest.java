package io.runtimed.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The environment children of tests get: the machine's pyenv shims left out of PATH. */
class RuntHomeTest {
    @Test
    void pyenvShimsAreLeftOutOfPathAndEverythingElseKeepsItsOrder() {
        assertThat(RuntHome.withoutPyenvShims("/opt/py/shims:/usr/bin:/home/u/.pyenv/shims:/bin", "/opt/py"))
                .isEqualTo("/usr/bin:/bin");
        assertThat(RuntHome.withoutPyenvShims("/opt/py/shims/:/usr/bin:/home/u/.pyenv/shims/", "/opt/py"))
                .isEqualTo("/usr/bin");
        assertThat(RuntHome.withoutPyenvShims("/usr/local/bin:/usr/bin", null)).isEqualTo("/usr/local/bin:/usr/bin");
    }
}
