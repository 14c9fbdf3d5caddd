package io.runtimed.client;

import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.tools.DetachedProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DAEMON.md §9 without a service: connects to a running daemon, or starts one detached from a
 * command (by default this JVM's class path) and waits until it answers. For development, tests and
 * apps that run the daemon from their own jars; a shipped app that installs the daemon as the
 * user's service uses {@link InstalledDaemonLauncher}. Any number of apps may call this at once:
 * each may start a daemon, but the singleton lock lets exactly one of them run and every caller
 * ends up talking to it.
 */
public final class DaemonLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonLauncher.class);
    /** Main class of the runtimed command line, used when the daemon's jars are on this JVM's class path. */
    public static final String RUNTIMED_MAIN = "io.runtimed.cli.runtimed.RuntimedMain";
    /** The spec's 20 polls × 500 ms. */
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(10);

    private final RuntPaths paths;
    private final List<String> daemonCommand;
    private final Duration readyTimeout;

    /**
     * @param daemonCommand the command that runs the daemon in the foreground with its defaults,
     *                      e.g. {@code [".../bin/runtimed", "run"]}
     */
    public DaemonLauncher(RuntPaths paths, List<String> daemonCommand, Duration readyTimeout) {
        this.paths = paths;
        this.daemonCommand = List.copyOf(daemonCommand);
        this.readyTimeout = readyTimeout;
    }

    /** A launcher that runs the daemon with this JVM and its class path (which must hold the daemon's jars). */
    public static DaemonLauncher sameJvm(RuntPaths paths) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = List.of(java, "-cp", System.getProperty("java.class.path"), RUNTIMED_MAIN, "run");
        return new DaemonLauncher(paths, cmd, DEFAULT_READY_TIMEOUT);
    }

    /** The running daemon's info, starting the daemon first if none answers. */
    public DaemonInfo ensureDaemonRunning() throws DaemonClientException {
        Optional<DaemonInfo> running = DaemonReadiness.running(paths);
        if (running.isPresent()) {
            return running.get();
        }
        try {
            Files.createDirectories(paths.runtDir());
            LOG.info("starting the daemon: {}", String.join(" ", daemonCommand));
            DetachedProcess.start(daemonCommand);
        } catch (IOException e) {
            throw new DaemonClientException(DaemonClientException.Kind.NOT_REACHABLE,
                    "Failed to start daemon: " + e.getMessage(), e);
        }
        // A started daemon that lost the lock race exits 1; the winner will answer soon.
        return DaemonReadiness.await(paths, readyTimeout, info -> true);
    }
}
