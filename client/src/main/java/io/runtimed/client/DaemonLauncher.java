package io.runtimed.client;

import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.DaemonInfoFile;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DAEMON.md §9: "make sure a daemon runs". Connects to a running daemon, or starts one detached
 * and waits until it answers ping. Any number of apps may call this at once: each may start a
 * daemon, but the singleton lock lets exactly one of them run and every caller ends up talking to it.
 */
public final class DaemonLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonLauncher.class);
    /** Main class of the runtimed command line, used when the daemon's jars are on this JVM's class path. */
    public static final String RUNTIMED_MAIN = "io.runtimed.cli.RuntimedMain";
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(25);
    private static final Duration PING_TIMEOUT = Duration.ofMillis(500);

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
        Optional<DaemonInfo> running = answeringDaemon();
        if (running.isPresent()) {
            return running.get();
        }
        Process process = spawn();
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            running = answeringDaemon();
            if (running.isPresent()) {
                return running.get();
            }
            // A started daemon that lost the lock race exits 1; the winner will answer soon.
            try {
                process.waitFor(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new DaemonClientException(DaemonClientException.Kind.NOT_REACHABLE,
                "Daemon did not become ready within timeout (see " + paths.logFile() + ")");
    }

    /** The info of a daemon that answers ping on the default socket and has written daemon.json. */
    private Optional<DaemonInfo> answeringDaemon() {
        try {
            new PoolClient(paths.defaultSocket(), PING_TIMEOUT, PING_TIMEOUT).ping();
        } catch (DaemonClientException e) {
            return Optional.empty();
        }
        return new DaemonInfoFile(paths.infoFile()).read();
    }

    /** Starts the daemon in its own session, detached from this process's terminal and streams. */
    private Process spawn() throws DaemonClientException {
        List<String> cmd = new ArrayList<>();
        Optional<Path> setsid = onPath("setsid");
        setsid.ifPresent(p -> cmd.add(p.toString()));
        cmd.addAll(daemonCommand);
        try {
            Files.createDirectories(paths.runtDir());
            LOG.info("starting the daemon: {}", String.join(" ", daemonCommand));
            // The daemon writes its own log file (runtimed.log); its streams would only duplicate it.
            return new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new DaemonClientException(DaemonClientException.Kind.NOT_REACHABLE,
                    "Failed to start daemon: " + e.getMessage(), e);
        }
    }

    private static File nullDevice() {
        return new File(File.separatorChar == '\\' ? "NUL" : "/dev/null");
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null || File.separatorChar == '\\') {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
