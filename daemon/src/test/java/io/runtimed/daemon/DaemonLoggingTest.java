package io.runtimed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** DAEMON.md §8: the log level comes from RUNTIMED_LOG, then RUST_LOG, then --log-level. */
class DaemonLoggingTest {

    /** The binding a daemon process names (slf4j.provider): logback's context, started, without auto-configuration. */
    @Nested
    class Provider {
        @Test
        void givesAStartedLogbackContextWithTheLevelAloneAndItsMdcAndMarkers() {
            DaemonLogProvider provider = new DaemonLogProvider();
            // slf4j binds the MDC adapter before it initializes the provider
            assertThat(provider.getMDCAdapter()).isNotNull();
            provider.initialize();
            assertThat(provider.getLoggerFactory()).isInstanceOf(LoggerContext.class);
            LoggerContext ctx = (LoggerContext) provider.getLoggerFactory();
            try {
                assertThat(ctx.isStarted()).isTrue();
                Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
                assertThat(root.getLevel()).isEqualTo(DaemonLogging.startLevel());
                // nothing configured it: no appender until DaemonLogging.configure adds its own
                assertThat(root.iteratorForAppenders().hasNext()).isFalse();
                assertThat(ctx.getMDCAdapter()).isSameAs(provider.getMDCAdapter());
                assertThat(provider.getMarkerFactory().getMarker("m").getName()).isEqualTo("m");
                assertThat(provider.getRequestedApiVersion()).startsWith("2.0");
            } finally {
                ctx.stop();
            }
        }
    }

    @Nested
    class ResolveLevel {
        @Test
        void runtimedLogBeatsRustLogAndTheFlag() {
            assertThat(DaemonLogging.resolveLevel("error", env("RUNTIMED_LOG", "debug", "RUST_LOG", "warn")))
                    .isEqualTo(Level.DEBUG);
        }

        @Test
        void rustLogBeatsTheFlag() {
            assertThat(DaemonLogging.resolveLevel("error", env("RUST_LOG", "warn"))).isEqualTo(Level.WARN);
        }

        @Test
        void theFlagCountsWhenNoVariableIsSet() {
            assertThat(DaemonLogging.resolveLevel("error", env())).isEqualTo(Level.ERROR);
        }

        @Test
        void aRustLogFilterIsNotALevelAndIsIgnored() {
            assertThat(DaemonLogging.resolveLevel("error", env("RUST_LOG", "runtimed=debug,hyper=info")))
                    .isEqualTo(Level.ERROR);
        }

        @Test
        void aRuntimedLogFilterFallsThroughToRustLog() {
            assertThat(DaemonLogging.resolveLevel("error", env("RUNTIMED_LOG", "runtimed=trace", "RUST_LOG", "warn")))
                    .isEqualTo(Level.WARN);
        }

        @Test
        void anEmptyVariableIsIgnored() {
            assertThat(DaemonLogging.resolveLevel("debug", env("RUNTIMED_LOG", "", "RUST_LOG", "  "))).isEqualTo(Level.DEBUG);
        }

        @Test
        void anUnknownFlagValueFallsBackToInfo() {
            assertThat(DaemonLogging.resolveLevel("loud", env())).isEqualTo(Level.INFO);
        }

        @Test
        void noFlagAtAllIsInfo() {
            assertThat(DaemonLogging.resolveLevel(null, env())).isEqualTo(Level.INFO);
        }
    }

    @Nested
    class Parse {
        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource({
                "trace,   TRACE",
                "debug,   DEBUG",
                "info,    INFO",
                "warn,    WARN",
                "warning, WARN",
                "WARNING, WARN",
                "error,   ERROR",
                "off,     OFF",
                "DEBUG,   DEBUG",
                "' info ', INFO",
        })
        void levelNamesAreCaseInsensitive(String text, String level) {
            assertThat(DaemonLogging.parse(text)).contains(Level.toLevel(level));
        }

        @ParameterizedTest(name = "\"{0}\"")
        @NullAndEmptySource
        @ValueSource(strings = {"  ", "verbose", "runtimed=debug", "debug,hyper=info", "5"})
        void anythingElseIsNotALevel(String text) {
            assertThat(DaemonLogging.parse(text)).isEmpty();
        }
    }

    private static Map<String, String> env(String... keyValues) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            env.put(keyValues[i], keyValues[i + 1]);
        }
        return env;
    }
}
