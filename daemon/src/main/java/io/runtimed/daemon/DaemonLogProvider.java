package io.runtimed.daemon;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.CoreConstants;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * slf4j's binding to logback for a process that configures logging itself ({@link DaemonLogging}),
 * named by the {@code slf4j.provider} property: slf4j then loads it directly instead of searching
 * the class path for providers, and the context starts with the level alone instead of logback's
 * auto-configuration, which searches it again (for configurators and XML files). On the daemon's
 * way to its socket each search opened every jar of the class path, and the main thread waited for
 * that (issue 16).
 *
 * <p>What logback's own provider does, without {@code ContextInitializer.autoConfig}; processes
 * that do not name this class keep that provider and {@link QuietLogConfigurator}.
 */
public final class DaemonLogProvider implements SLF4JServiceProvider {
    /** The slf4j API version this binding implements (as logback 1.5's own provider says). */
    private static final String API_VERSION = "2.0.99";
    /** Whether slf4j started through this class in this process (a debug line of the daemon says so). */
    private static volatile boolean initialized;

    // made up front, as logback's provider does: slf4j asks for the MDC adapter before initialize()
    private final LoggerContext context = new LoggerContext();
    private final LogbackMDCAdapter mdc = new LogbackMDCAdapter();
    private final IMarkerFactory markers = new BasicMarkerFactory();

    @Override
    public void initialize() {
        context.setName(CoreConstants.DEFAULT_CONTEXT_NAME);
        context.setMDCAdapter(mdc);
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(DaemonLogging.startLevel());
        context.start();
        initialized = true;
    }

    static boolean initialized() {
        return initialized;
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return context;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return API_VERSION;
    }
}
