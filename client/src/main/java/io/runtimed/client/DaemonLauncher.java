package io.runtimed.client;

import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.DaemonInfoFile;
import io.runtimed.protocol.RuntimedVersion;
import io.runtimed.protocol.VersionOrder;
import io.runtimed.service.ServiceException;
import io.runtimed.service.ServiceInstaller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DAEMON.md §9: "make sure a daemon runs". Any number of apps may call this at once: each may start
 * a daemon, but the singleton lock lets exactly one of them run and every caller ends up talking to it.
 *
 * <p>Two ways to start one. {@link #installing} is what a shipped notebook app does: the daemon it
 * bundles is installed as the user's service (and replaces an older running daemon: stop, copy,
 * start; the daemon writes every room and the settings before it exits, so nothing is lost).
 * {@link #sameJvm} runs the daemon from this JVM's class path without installing anything, for
 * development and tests.
 */
public final class DaemonLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonLauncher.class);
    /** Main class of the runtimed command line, used when the daemon's jars are on this JVM's class path. */
    public static final String RUNTIMED_MAIN = "io.runtimed.cli.RuntimedMain";
    /** The spec's 20 polls × 500 ms. */
    public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(25);
    private static final Duration PING_TIMEOUT = Duration.ofMillis(500);

    private final RuntPaths paths;
    private final Duration readyTimeout;
    /** sameJvm mode: the command that runs the daemon in the foreground; null in service mode. */
    private final List<String> daemonCommand;
    /** Service mode: the daemon binary the app bundles, its version and the installer; null otherwise. */
    private final Path binary;
    private final String binaryVersion;
    private final ServiceInstaller installer;

    private DaemonLauncher(RuntPaths paths, Duration readyTimeout, List<String> daemonCommand, Path binary,
                           String binaryVersion, ServiceInstaller installer) {
        this.paths = paths;
        this.readyTimeout = readyTimeout;
        this.daemonCommand = daemonCommand == null ? null : List.copyOf(daemonCommand);
        this.binary = binary;
        this.binaryVersion = binaryVersion;
        this.installer = installer;
    }

    /**
     * @param daemonCommand the command that runs the daemon in the foreground with its defaults,
     *                      e.g. {@code [".../bin/runtimed", "run"]}; nothing is installed
     */
    public DaemonLauncher(RuntPaths paths, List<String> daemonCommand, Duration readyTimeout) {
        this(paths, readyTimeout, daemonCommand, null, null, null);
    }

    /** A launcher that runs the daemon with this JVM and its class path (which must hold the daemon's jars). */
    public static DaemonLauncher sameJvm(RuntPaths paths) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = List.of(java, "-cp", System.getProperty("java.class.path"), RUNTIMED_MAIN, "run");
        return new DaemonLauncher(paths, cmd, DEFAULT_READY_TIMEOUT);
    }

    /**
     * The notebook app's launcher (DAEMON.md §9): installs {@code binary} (a launcher of a runtimed
     * distribution, or the original's single binary) as the user's service when none is installed,
     * starts it, and upgrades a running daemon older than {@code binaryVersion}.
     */
    public static DaemonLauncher installing(RuntPaths paths, Path binary, String binaryVersion,
                                            ServiceInstaller installer, Duration readyTimeout) {
        return new DaemonLauncher(paths, readyTimeout, null, binary, binaryVersion, installer);
    }

    /** {@link #installing} with this build's version, this platform's service manager and the spec's timeout. */
    public static DaemonLauncher installing(RuntPaths paths, Path binary) {
        return installing(paths, binary, RuntimedVersion.full(), ServiceInstaller.forCurrentPlatform(paths),
                DEFAULT_READY_TIMEOUT);
    }

    /** The running daemon's info, starting (or upgrading) the daemon first when needed. */
    public DaemonInfo ensureDaemonRunning() throws DaemonClientException {
        Optional<DaemonInfo> running = answeringDaemon();
        if (installer == null) {
            return running.isPresent() ? running.get() : spawnFromClassPath();
        }
        if (running.isPresent()) {
            if (!VersionOrder.isOlder(running.get().version(), binaryVersion)) {
                return running.get();
            }
            return upgrade(running.get());
        }
        if (binary == null) {
            throw notReachable("No daemon binary path provided for installation");
        }
        if (!Files.exists(binary)) {
            throw notReachable("Daemon binary not found at " + binary);
        }
        if (!installer.isInstalled()) {
            try {
                installer.install(binary);
            } catch (ServiceException e) {
                if (!e.managerUnavailable()) {
                    throw notReachable("Failed to install daemon service: " + e.getMessage());
                }
                LOG.info("installed the daemon, but {}; starting it directly", e.getMessage());
            }
        }
        startInstalled("Failed to start daemon service: ");
        return awaitReady(info -> true);
    }

    /** Stop the old daemon (it persists everything first), put our binary in its place, start it. */
    private DaemonInfo upgrade(DaemonInfo old) throws DaemonClientException {
        LOG.info("the running daemon is {}, this app bundles {}: upgrading it", old.version(), binaryVersion);
        String failed = "Failed to upgrade daemon service: ";
        if (installer.isInstalled()) {
            try {
                installer.stop();
            } catch (ServiceException e) {
                LOG.info("stopping the service failed ({}); asking the daemon itself", e.getMessage());
            }
        }
        try {
            // not started by the service manager, or the manager is unavailable: ask the daemon itself
            DaemonShutdown.stopAndWait(paths, DaemonShutdown.GONE_TIMEOUT);
        } catch (DaemonClientException e) {
            throw notReachable(failed + e.getMessage());
        }
        try {
            if (installer.isInstalled()) {
                installer.copyDaemon(binary);
            } else {
                installer.install(binary);
            }
        } catch (ServiceException e) {
            if (!e.managerUnavailable()) {
                throw notReachable(failed + e.getMessage());
            }
        }
        startInstalled(failed);
        return awaitReady(info -> info.pid() != old.pid());
    }

    /** Starts the installed service; without a usable service manager, runs the installed daemon directly. */
    private void startInstalled(String failed) throws DaemonClientException {
        try {
            installer.start();
            return;
        } catch (ServiceException e) {
            if (!e.managerUnavailable()) {
                throw notReachable(failed + e.getMessage());
            }
            LOG.info("{}; starting {} directly", e.getMessage(), installer.installedBinary());
        }
        try {
            Files.createDirectories(paths.runtDir());
            DetachedProcess.start(List.of(installer.installedBinary().toString(), "run"));
        } catch (IOException e) {
            throw notReachable(failed + e.getMessage());
        }
    }

    private DaemonInfo spawnFromClassPath() throws DaemonClientException {
        try {
            Files.createDirectories(paths.runtDir());
            LOG.info("starting the daemon: {}", String.join(" ", daemonCommand));
            DetachedProcess.start(daemonCommand);
        } catch (IOException e) {
            throw notReachable("Failed to start daemon: " + e.getMessage());
        }
        // A started daemon that lost the lock race exits 1; the winner will answer soon.
        return awaitReady(info -> true);
    }

    /** Polls until a daemon that {@code accept}s answers, or the ready timeout passes. */
    private DaemonInfo awaitReady(Predicate<DaemonInfo> accept) throws DaemonClientException {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<DaemonInfo> running = answeringDaemon();
            if (running.isPresent() && accept.test(running.get())) {
                return running.get();
            }
            try {
                Thread.sleep(POLL_INTERVAL.toMillis()); // polling another process: nothing to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw notReachable("Daemon did not become ready within timeout (see " + paths.logFile() + ")");
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

    private static DaemonClientException notReachable(String message) {
        return new DaemonClientException(DaemonClientException.Kind.NOT_REACHABLE, message);
    }
}
