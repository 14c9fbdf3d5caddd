package io.runtimed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The daemon's log line is the one the pattern it replaces printed, character for character. */
class DaemonLogLayoutTest {
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level [%thread] %logger{0}: %msg%n";

    final LoggerContext ctx = new LoggerContext();
    final PatternLayout pattern = new PatternLayout();
    final DaemonLogLayout layout = new DaemonLogLayout();

    DaemonLogLayoutTest() {
        pattern.setContext(ctx);
        pattern.setPattern(PATTERN);
        pattern.start();
        layout.setContext(ctx);
        layout.start();
    }

    @AfterEach
    void stop() {
        ctx.stop();
    }

    LoggingEvent event(String logger, Level level, String thread, long millis, String message, Throwable thrown,
            Object... args) {
        LoggingEvent e = new LoggingEvent(logger, ctx.getLogger(logger), level, message, thrown, args);
        e.setThreadName(thread);
        e.setTimeStamp(millis);
        return e;
    }

    @Test
    void printsWhatThePatternPrintsForEveryLevelAndTime() {
        long[] times = {0L, 1_765_078_823_967L, 1_765_078_823_000L, 253_402_300_799_999L};
        for (Level level : new Level[] {Level.TRACE, Level.DEBUG, Level.INFO, Level.WARN, Level.ERROR}) {
            for (long t : times) {
                LoggingEvent e = event("io.runtimed.server.SocketServer", level, "main", t, "listening on {} ({})", null,
                        "/tmp/x.sock", 3);
                assertThat(layout.doLayout(e)).isEqualTo(pattern.doLayout(e));
            }
        }
    }

    @Test
    void printsWhatThePatternPrintsForOddNamesAndAThrowableWithACause() {
        Exception thrown = new IllegalStateException("outer", new java.io.IOException("inner"));
        LoggingEvent e = event("NoPackage", Level.ERROR, "peer-notebook [x]", 1_765_078_823_967L, "failed: {}", thrown,
                "why");
        assertThat(layout.doLayout(e)).isEqualTo(pattern.doLayout(e)).contains("Caused by: java.io.IOException: inner");
        LoggingEvent plain = event("a.b.C$Inner", Level.WARN, "", 5L, "100% {} done", null);
        assertThat(layout.doLayout(plain)).isEqualTo(pattern.doLayout(plain));
    }
}
