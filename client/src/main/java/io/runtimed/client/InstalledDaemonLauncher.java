package io.runtimed.client;

import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.RuntimedVersion;
import io.runtimed.protocol.VersionOrder;
import io.runtimed.service.InstallLock;
import io.runtimed.service.ServiceException;
import io.runtimed.service.ServiceInstaller;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DAEMON.md §9 as a shipped notebook app does it with the daemon it bundles: a running daemon of the
 * same or a newer version is used as it is; with none running, the installed service is started
 * (installing the bundled daemon first when no service is installed); a running daemon *older* than
 * the bundled one is upgraded: stop it (it writes every room and the settings before it exits), copy
 * the bundled daemon over the installed copy, start the service, wait for the new daemon.
 *
 * <p>Only a strictly older daemon is replaced (semantic-version order, build metadata ignored), so
 * two apps shipping different versions never take turns replacing each other. Apps that call this
 * at once are serialised by the {@link InstallLock}; the second finds the first one's daemon.
 */
public final class InstalledDaemonLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(InstalledDaemonLauncher.class);
    private final RuntPaths paths;
    private final Path binary;
    private final String binaryVersion;
    private final ServiceInstaller installer;
    private final Duration readyTimeout;

    /**
     * @param binary        the bundled daemon: a launcher of a runtimed distribution, or the original's
     *                      single binary; null if the app bundles none (then it can neither install
     *                      nor upgrade, only start an installed service)
     * @param binaryVersion the bundled daemon's version, as its daemon.json will say it
     */
    public InstalledDaemonLauncher(RuntPaths paths, Path binary, String binaryVersion, ServiceInstaller installer,
                                   Duration readyTimeout) {
        this.paths = paths;
        this.binary = binary;
        this.binaryVersion = binaryVersion;
        this.installer = installer;
        this.readyTimeout = readyTimeout;
    }

    /** The bundled daemon is this build; this platform's service manager; the spec's 10 s. */
    public static InstalledDaemonLauncher of(RuntPaths paths, Path binary) {
        return new InstalledDaemonLauncher(paths, binary, RuntimedVersion.full(),
                ServiceInstaller.forCurrentPlatform(paths), DaemonLauncher.DEFAULT_READY_TIMEOUT);
    }

    public DaemonInfo ensureDaemonRunning() throws DaemonClientException {
        Optional<DaemonInfo> running = DaemonReadiness.running(paths);
        if (running.isPresent() && !needsUpgrade(running.get())) {
            return running.get();
        }
        try (InstallLock lock = installer.lock()) {
            // another app may have started or upgraded the daemon while we waited for the lock
            running = DaemonReadiness.running(paths);
            DaemonInfo info = running.isPresent() ? running.get() : startService();
            return needsUpgrade(info) ? upgrade(info) : info;
        } catch (ServiceException e) {
            throw notReachable("Failed to start daemon service: " + e.getMessage());
        }
    }

    private boolean needsUpgrade(DaemonInfo running) {
        return binary != null && VersionOrder.isOlder(running.version(), binaryVersion);
    }

    /** Nothing runs: start the installed service, installing the bundled daemon first if there is none. */
    private DaemonInfo startService() throws DaemonClientException {
        if (!installer.isInstalled()) {
            if (binary == null) {
                throw notReachable("No daemon binary path provided for installation");
            }
            requireBinary();
            try {
                installer.install(binary);
            } catch (ServiceException e) {
                if (!e.managerUnavailable()) {
                    throw notReachable("Failed to install daemon service: " + e.getMessage());
                }
                LOG.info("installed the daemon, but {}", e.getMessage());
            }
        }
        start("Failed to start daemon service: ");
        return DaemonReadiness.await(paths, readyTimeout, info -> true);
    }

    private DaemonInfo upgrade(DaemonInfo old) throws DaemonClientException {
        requireBinary(); // before anything is stopped
        LOG.info("the running daemon is {}, this app bundles {}: upgrading it", old.version(), binaryVersion);
        String failed = "Failed to upgrade daemon service: ";
        if (installer.isInstalled()) {
            try {
                installer.stop();
            } catch (ServiceException e) {
                LOG.info("stopping the service: {}; asking the daemon itself", e.getMessage());
            }
        }
        try {
            // a daemon the service manager did not start (or could not stop) is asked directly
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
                restartOld();
                throw notReachable(failed + e.getMessage());
            }
        }
        start(failed);
        DaemonInfo upgraded = DaemonReadiness.await(paths, readyTimeout, info -> info.pid() != old.pid());
        // after the new daemon answers, so the training run does not lengthen the downtime
        installer.recordStartupArchive();
        return upgraded;
    }

    /** The copy failed after the old daemon was stopped: bring back what is installed rather than nothing. */
    private void restartOld() {
        if (!installer.isInstalled()) {
            return;
        }
        try {
            installer.startOrRunDirectly(paths.runtDir());
        } catch (ServiceException e) {
            LOG.warn("could not restart the installed daemon after a failed upgrade: {}", e.getMessage());
        }
    }

    private void start(String failed) throws DaemonClientException {
        try {
            installer.startOrRunDirectly(paths.runtDir()).ifPresent(why ->
                    LOG.info("{}; started {} directly", why, installer.installedBinary()));
        } catch (ServiceException e) {
            throw notReachable(failed + e.getMessage());
        }
    }

    private void requireBinary() throws DaemonClientException {
        if (!Files.isRegularFile(binary)) {
            throw notReachable("Daemon binary not found at " + binary);
        }
    }

    private static DaemonClientException notReachable(String message) {
        return new DaemonClientException(DaemonClientException.Kind.NOT_REACHABLE, message);
    }
}
