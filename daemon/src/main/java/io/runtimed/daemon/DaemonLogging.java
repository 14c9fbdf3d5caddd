package io.runtimed.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * Logging for runtimed: to stderr and to the log file, at the level of {@code RUNTIMED_LOG} or the
 * reference's {@code RUST_LOG} when set (the environment wins, as in DAEMON.md §8), else
 * {@code --log-level}. Configured in code: no XML to find and parse on the start path.
 */
public final class DaemonLogging {
    /**
     * Held while slf4j starts (binds logback and starts its context): a thread that asks slf4j
     * while another starts it gets a stand-in factory, not logback's context.
     */
    private static final Object START = new Object();

    /** slf4j 2's property naming its provider class (read once, at its first use). */
    private static final String PROVIDER_PROPERTY = "slf4j.provider";
    /** The level of slf4j's own messages about itself (its Reporter). */
    private static final String SLF4J_VERBOSITY_PROPERTY = "slf4j.internal.verbosity";
    /** Set when the daemon will configure logging itself (see {@link #expectConfiguration}). */
    private static volatile boolean configurationExpected;

    private DaemonLogging() {
    }

    /**
     * Says, before slf4j starts, that {@link #configure} follows before anything is logged: slf4j
     * then binds logback through {@link DaemonLogProvider} (no search of the class path, no
     * auto-configuration: the level alone, no console appender and pattern layout built for
     * nothing). A command line that names another provider keeps it, and logback's default set-up
     * ({@link QuietLogConfigurator}) then also sets the level alone.
     */
    public static void expectConfiguration() {
        configurationExpected = true;
        if (System.getProperty(PROVIDER_PROPERTY) == null) {
            System.setProperty(PROVIDER_PROPERTY, DaemonLogProvider.class.getName());
            // slf4j reports a named provider on stderr at its "info" level: only its warnings go there
            if (System.getProperty(SLF4J_VERBOSITY_PROPERTY) == null) {
                System.setProperty(SLF4J_VERBOSITY_PROPERTY, "WARN");
            }
        }
    }

    static boolean configurationExpected() {
        return configurationExpected;
    }

    /**
     * Logback's context, once slf4j has started; the first caller starts it. {@link ClassPreloader}
     * calls this first thing on its own core, so the daemon's start path finds it done.
     */
    public static LoggerContext context() {
        synchronized (START) {
            return (LoggerContext) LoggerFactory.getILoggerFactory();
        }
    }

    /** The level before {@link #configure}: warnings and errors, or what the environment says. */
    static Level startLevel() {
        return resolveLevel("warn", System.getenv());
    }

    /** The effective level: an environment variable naming a level, else the flag. */
    public static Level resolveLevel(String flag, Map<String, String> env) {
        for (String var : new String[] {"RUNTIMED_LOG", "RUST_LOG"}) {
            Optional<Level> fromEnv = parse(env.get(var));
            if (fromEnv.isPresent()) {
                return fromEnv.get();
            }
        }
        return parse(flag).orElse(Level.INFO);
    }

    /** A plain level name ("debug", "WARN", "off"); anything else (e.g. a RUST_LOG filter list) is not one. */
    public static Optional<Level> parse(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "trace": return Optional.of(Level.TRACE);
            case "debug": return Optional.of(Level.DEBUG);
            case "info": return Optional.of(Level.INFO);
            case "warn": case "warning": return Optional.of(Level.WARN);
            case "error": return Optional.of(Level.ERROR);
            case "off": return Optional.of(Level.OFF);
            default: return Optional.empty();
        }
    }

    /**
     * Sends every log line to stderr and, if {@code logFile} is not null, appends it there too;
     * once only when stderr already is that file (launchd's plist points StandardErrorPath at
     * runtimed.log, DAEMON.md §10).
     */
    public static void configure(Level level, Path logFile) {
        LoggerContext ctx = context();
        ctx.reset();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(level);
        if (logFile == null || !stderrIs(logFile)) {
            ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
            console.setContext(ctx);
            console.setName("stderr");
            console.setTarget("System.err");
            console.setEncoder(encoder(ctx));
            console.start();
            root.addAppender(console);
        }
        if (logFile != null) {
            FileAppender<ILoggingEvent> file = new FileAppender<>();
            file.setContext(ctx);
            file.setName("file");
            file.setFile(logFile.toString());
            file.setAppend(true);
            file.setEncoder(encoder(ctx));
            file.start();
            if (file.isStarted()) {
                root.addAppender(file);
            }
        }
        LoggerFactory.getLogger(DaemonLogging.class).debug("slf4j bound to logback {}",
                DaemonLogProvider.initialized() ? "directly (DaemonLogProvider)" : "through another provider");
    }

    private static LayoutWrappingEncoder<ILoggingEvent> encoder(LoggerContext ctx) {
        DaemonLogLayout layout = new DaemonLogLayout();
        layout.setContext(ctx);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(ctx);
        encoder.setLayout(layout);
        encoder.start();
        return encoder;
    }

    /** True if file descriptor 2 is {@code file} (same device and inode), where /dev/fd shows it. */
    static boolean stderrIs(Path file) {
        try {
            return Files.exists(file) && Files.isSameFile(Path.of("/dev/fd/2"), file);
        } catch (IOException | RuntimeException e) {
            return false; // no /dev/fd (Windows): log to both
        }
    }
}
