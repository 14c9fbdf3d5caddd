package io.runtimed.paths;

import java.nio.file.Path;

/** DAEMON.md §2: where runtimed keeps its files under {@code <cache>/runt} and {@code <config>/runt-notebook}. */
public record RuntPaths(BaseDirs base) {

    public static RuntPaths current() {
        return new RuntPaths(BaseDirs.current());
    }

    /** {@code <cache>/runt}: lock, daemon.json, socket, envs, blobs, notebook docs. Kept 0700. */
    public Path runtDir() {
        return base.cache().resolve("runt");
    }

    public Path defaultSocket() {
        return runtDir().resolve("runtimed.sock");
    }

    public Path lockFile() {
        return runtDir().resolve("daemon.lock");
    }

    public Path infoFile() {
        return runtDir().resolve("daemon.json");
    }

    public Path logFile() {
        return runtDir().resolve("runtimed.log");
    }

    public Path defaultEnvRoot() {
        return runtDir().resolve("envs");
    }

    public Path defaultBlobDir() {
        return runtDir().resolve("blobs");
    }

    public Path notebookDocsDir() {
        return runtDir().resolve("notebook-docs");
    }

    public Path settingsDoc() {
        return runtDir().resolve("settings.automerge");
    }

    /** Socket of older daemons, deleted at start if present. */
    public Path obsoleteSyncSocket() {
        return runtDir().resolve("runtimed-sync.sock");
    }

    /** {@code <config>/runt-notebook}: settings.json and settings.schema.json. */
    public Path settingsDir() {
        return base.config().resolve("runt-notebook");
    }

    /** {@code <data_local>/runt}: the installed copy of runtimed (bin/ and, for the Java build, lib/). */
    public Path installDir() {
        return base.dataLocal().resolve("runt");
    }

    /** {@code <data_local>/runt/bin}: where the service install puts the daemon. */
    public Path installBinDir() {
        return installDir().resolve("bin");
    }

    /** The installed daemon binary the service runs: {@code bin/runtimed} ({@code runtimed.exe} on Windows). */
    public Path installedBinary(BaseDirs.Os os) {
        return installBinDir().resolve(os == BaseDirs.Os.WINDOWS ? "runtimed.exe" : "runtimed");
    }

    /** The systemd user unit whose existence means "installed" on Linux (DAEMON.md §10). */
    public Path systemdUnit() {
        return base.config().resolve("systemd").resolve("user").resolve("runtimed.service");
    }

    /** The launchd agent whose existence means "installed" on macOS. */
    public Path launchdPlist() {
        return base.home().resolve("Library").resolve("LaunchAgents").resolve("io.runtimed.plist");
    }

    /** The Windows startup-folder script ({@code <data>} is RoamingAppData, our {@code config}). */
    public Path windowsStartupScript() {
        return base.config().resolve("Microsoft").resolve("Windows").resolve("Start Menu").resolve("Programs")
                .resolve("Startup").resolve("runtimed.vbs");
    }

    /** The service definition of this platform; it existing means "installed" (DAEMON.md §10). */
    public Path serviceFile(BaseDirs.Os os) {
        switch (os) {
            case MACOS: return launchdPlist();
            case WINDOWS: return windowsStartupScript();
            default: return systemdUnit();
        }
    }
}
