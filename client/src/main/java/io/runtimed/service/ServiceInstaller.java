package io.runtimed.service;

import io.runtimed.paths.AtomicFiles;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import io.runtimed.tools.DetachedProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * DAEMON.md §10: installs runtimed as a per-user service (copy the daemon to
 * {@code <data_local>/runt/bin}, write the platform's definition file, register it) and takes it
 * out again. "Installed" means the definition file exists.
 */
public final class ServiceInstaller {
    private final Path installDir;
    private final Path installedBinary;
    private final ServiceManager manager;

    public ServiceInstaller(Path installDir, Path installedBinary, ServiceManager manager) {
        this.installDir = installDir;
        this.installedBinary = installedBinary;
        this.manager = manager;
    }

    /** The installer of this machine's platform, calling the service tools found on PATH. */
    public static ServiceInstaller forCurrentPlatform(RuntPaths paths) {
        return forPlatform(BaseDirs.currentOs(), paths, new ToolRunner());
    }

    public static ServiceInstaller forPlatform(BaseDirs.Os os, RuntPaths paths, ToolRunner runner) {
        Path binary = paths.installedBinary(os);
        ServiceManager manager;
        switch (os) {
            case MACOS:
                manager = new LaunchdAgent(paths.launchdPlist(), paths.logFile(), "launchctl", runner);
                break;
            case WINDOWS:
                manager = new WindowsStartupService(paths.windowsStartupScript(), binary, runner);
                break;
            default:
                manager = new SystemdUserService(paths.systemdUnit(), "systemctl", runner);
        }
        return new ServiceInstaller(paths.installDir(), binary, manager);
    }

    public ServiceManager manager() {
        return manager;
    }

    public Path installedBinary() {
        return installedBinary;
    }

    public boolean isInstalled() {
        return Files.exists(manager.definitionFile());
    }

    /**
     * Copies {@code source} (with its distribution) into place, writes the definition and registers
     * it. When only the last step fails because the service manager is unavailable, the copy and the
     * file stay (a later login with a service manager picks them up) and the
     * {@link ServiceException#managerUnavailable()} exception tells the caller.
     */
    public void install(Path source) throws ServiceException {
        if (isInstalled()) {
            throw new ServiceException("Service already installed");
        }
        copyDaemon(source);
        recordStartupArchive();
        writeDefinition();
        manager.register();
    }

    /**
     * Replaces the installed daemon with {@code source}. The daemon must not run from the installed
     * copy meanwhile, and the caller holds the {@link InstallLock}.
     */
    public void copyDaemon(Path source) throws ServiceException {
        if (!Files.isRegularFile(source)) {
            throw new ServiceException("Binary not found at " + source);
        }
        try {
            DaemonDistribution.of(source).installInto(installDir, installedBinary);
        } catch (IOException e) {
            throw new ServiceException("IO error: " + e.getMessage(), e);
        }
    }

    /** Gives the installed Java copy its own start-up archive (see {@link StartupArchive}); about a second. */
    public void recordStartupArchive() {
        StartupArchive.record(DaemonDistribution.launchScript(installedBinary));
    }

    /** The lock to hold around a whole install, upgrade or uninstall. */
    public InstallLock lock() throws ServiceException {
        return InstallLock.acquire(installDir, InstallLock.DEFAULT_TIMEOUT);
    }

    private void writeDefinition() throws ServiceException {
        Path file = manager.definitionFile();
        try {
            AtomicFiles.write(file, manager.definition(installedBinary).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ServiceException("IO error: " + e.getMessage(), e);
        }
    }

    /** DAEMON.md §10: stop (errors ignored), delete the definition, the daemon and an empty bin directory. */
    public void uninstall() throws ServiceException {
        if (!isInstalled()) {
            throw new ServiceException("Service not installed");
        }
        try {
            manager.stop();
        } catch (ServiceException ignored) {
            // a service that cannot be stopped is removed all the same
        }
        try {
            manager.unregister();
        } catch (ServiceException ignored) {
            // without a manager there is no registration to undo
        }
        try {
            Files.deleteIfExists(manager.definitionFile());
        } catch (IOException e) {
            throw new ServiceException("IO error: " + e.getMessage(), e);
        }
        try {
            manager.forget();
        } catch (ServiceException ignored) {
            // the definition is gone; the manager forgets it at its next reload
        }
        try {
            DaemonDistribution.uninstallFrom(installDir, installedBinary);
        } catch (IOException e) {
            throw new ServiceException("IO error: " + e.getMessage(), e);
        }
    }

    public void start() throws ServiceException {
        if (!isInstalled()) {
            throw new ServiceException("Service not installed");
        }
        manager.start();
    }

    /**
     * Starts the service; where the service manager is unavailable, runs the installed daemon
     * directly, detached, instead.
     *
     * @return why the daemon was run directly, or empty when the service manager started it
     */
    public Optional<String> startOrRunDirectly(Path runtDir) throws ServiceException {
        try {
            start();
            return Optional.empty();
        } catch (ServiceException e) {
            if (!e.managerUnavailable()) {
                throw e;
            }
            try {
                Files.createDirectories(runtDir);
                DetachedProcess.start(List.of(installedBinary.toString(), "run"));
            } catch (IOException io) {
                throw new ServiceException("Failed to start service: " + io.getMessage(), io);
            }
            return Optional.of(e.getMessage());
        }
    }

    public void stop() throws ServiceException {
        if (!isInstalled()) {
            throw new ServiceException("Service not installed");
        }
        manager.stop();
    }
}
