package io.runtimed.cli.runtimed;

import io.runtimed.cli.CommandSpecs;
import io.runtimed.daemon.AlreadyRunningException;
import io.runtimed.daemon.ClassPreloader;
import io.runtimed.daemon.Daemon;
import io.runtimed.daemon.DaemonConfig;
import io.runtimed.daemon.DaemonLogging;
import io.runtimed.daemon.SignalShutdown;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.Json;
import io.runtimed.server.DaemonLifecycle;
import java.io.IOException;
import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.CommandSpec;

/** {@code runtimed run}: the daemon in the foreground until a shutdown request, SIGTERM or SIGINT. */
final class RunCommand {
    private RunCommand() {
    }

    /** {@code runtimed run}: its own copy of the run options; the log level is the root's (inherited). */
    static CommandSpec spec() {
        RunOptions options = new RunOptions();
        CommandSpec[] self = new CommandSpec[1];
        self[0] = options.addTo(CommandSpecs.command("run",
                () -> run(options, RuntimedCommand.logLevel(self[0]), self[0].commandLine().getErr()),
                "Run the daemon in the foreground (the default)."));
        return self[0];
    }

    /** Runs a daemon to its end; the exit status of {@code runtimed run}. */
    static int run(RunOptions options, String logLevel, PrintWriter err) throws InterruptedException {
        ClassPreloader.start();
        RuntPaths paths = RuntPaths.current();
        DaemonConfig config;
        try {
            config = options.toConfig(paths);
        } catch (IllegalArgumentException e) {
            err.println("Error: " + e.getMessage());
            return 2;
        }
        DaemonLogging.configure(DaemonLogging.resolveLevel(logLevel, System.getenv()), paths.logFile());
        Logger log = LoggerFactory.getLogger(RunCommand.class);
        // Signals first: one that arrives while the daemon starts still ends in an orderly shutdown.
        DaemonLifecycle lifecycle = new DaemonLifecycle();
        SignalShutdown.install(lifecycle);
        Daemon daemon;
        try {
            daemon = Daemon.start(config, lifecycle);
        } catch (AlreadyRunningException e) {
            err.println("Error: " + e.getMessage());
            err.println("Running daemon: pid=" + e.running().pid() + ", endpoint=" + e.running().endpoint());
            return 1;
        } catch (IOException e) {
            log.error("cannot start: {}", e.getMessage());
            err.println("Error: " + e.getMessage());
            return 1;
        }
        // Any other way out of the JVM (SIGHUP, System.exit elsewhere) still cleans up.
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "shutdown-hook"));
        // the JSON mapper's first use costs ~100 ms of class initialisation: now, not on a client's
        // first request, and not while the start competes with the first answers for the cores
        Json.warmUp();
        daemon.awaitShutdownRequest();
        log.info("shutting down ({})", daemon.lifecycle().shutdownReason());
        daemon.close();
        return 0;
    }
}
