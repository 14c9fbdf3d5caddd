package io.runtimed.daemon;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's default before anyone configures it: warnings and errors to stderr only, found through
 * the service loader so that no XML file is searched for. The CLIs and in-process daemons (tests,
 * benches) get it; a daemon process binds through {@link DaemonLogProvider} instead, and one whose
 * command line names another provider gets the level alone from here, having said first
 * ({@link DaemonLogging#expectConfiguration}) that it configures logging itself.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class QuietLogConfigurator extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(DaemonLogging.startLevel());
        if (DaemonLogging.configurationExpected()) {
            return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern("%-5level %logger{0}: %msg%n");
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setTarget("System.err");
        console.setEncoder(encoder);
        console.start();
        root.addAppender(console);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
