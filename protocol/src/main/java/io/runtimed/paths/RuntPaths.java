package io.runtimed.paths;

import java.nio.file.Path;

/** DAEMON.md §2: where runtimed keeps its files under {@code <cache>/runt} and {@code <config>/runt-notebook}. */
public record RuntPaths(BaseDirs base) {
    // DAEMON.md §2: each name is defined here once; a directory moved from the command line keeps them
    /** {@code <cache>/runt} and {@code <data_local>/runt}. */
    public static final String RUNT_DIR = "runt";
    public static final String SOCKET = "runtimed.sock";
    public static final String LOCK_FILE = "daemon.lock";
    public static final String INFO_FILE = "daemon.json";
    public static final String LOG_FILE = "runtimed.log";
    public static final String ENVS_DIR = "envs";
    public static final String BLOBS_DIR = "blobs";
    public static final String NOTEBOOK_DOCS_DIR = "notebook-docs";
    /** The daemon's running kernels ({@code <kernel-id>.json}) and their logs ({@code <kernel-id>.log}). */
    public static final String KERNELS_DIR = "kernels";
    public static final String SETTINGS_DOC = "settings.automerge";
    /** Ours, not the reference's: the versions of settings.json the daemon accounted for. */
    public static final String SETTINGS_SEEN = "settings-json.seen";
    public static final String OBSOLETE_SYNC_SOCKET = "runtimed-sync.sock";
    /** Ours: recent answers of the runtimes' {@code --version} probes (status, pool info). */
    public static final String RUNTIME_PROBES = "runtime-probes.properties";
    /** {@code <config>/runt-notebook}. */
    public static final String SETTINGS_DIR = "runt-notebook";
    public static final String SETTINGS_JSON = "settings.json";
    public static final String SETTINGS_SCHEMA = "settings.schema.json";

    public static RuntPaths current() {
        return new RuntPaths(BaseDirs.current());
    }

    /** {@code <cache>/runt}: lock, daemon.json, socket, envs, blobs, notebook docs. Kept 0700. */
    public Path runtDir() {
        return base.cache().resolve(RUNT_DIR);
    }

    /** {@code <cache>/runt/runtime-probes.properties}: a cache, safe to delete. */
    public Path runtimeProbes() {
        return runtDir().resolve(RUNTIME_PROBES);
    }

    public Path defaultSocket() {
        return runtDir().resolve(SOCKET);
    }

    public Path lockFile() {
        return runtDir().resolve(LOCK_FILE);
    }

    public Path infoFile() {
        return runtDir().resolve(INFO_FILE);
    }

    public Path logFile() {
        return runtDir().resolve(LOG_FILE);
    }

    public Path defaultEnvRoot() {
        return runtDir().resolve(ENVS_DIR);
    }

    public Path defaultBlobDir() {
        return runtDir().resolve(BLOBS_DIR);
    }

    /** NOTEBOOK.md §4: one {@code <sha256 of the id>.automerge} per notebook room. */
    public Path notebookDocsDir() {
        return runtDir().resolve(NOTEBOOK_DOCS_DIR);
    }

    public Path settingsDoc() {
        return runtDir().resolve(SETTINGS_DOC);
    }

    public Path settingsSeen() {
        return runtDir().resolve(SETTINGS_SEEN);
    }

    /** Socket of older daemons, deleted at start if present. */
    public Path obsoleteSyncSocket() {
        return runtDir().resolve(OBSOLETE_SYNC_SOCKET);
    }

    /** {@code <config>/runt-notebook}: settings.json and settings.schema.json. */
    public Path settingsDir() {
        return base.config().resolve(SETTINGS_DIR);
    }

    /** The settings mirror users may edit by hand. */
    public Path settingsJson() {
        return settingsDir().resolve(SETTINGS_JSON);
    }

    /** JSON Schema of settings.json for editors, written at every start. */
    public Path settingsSchema() {
        return settingsDir().resolve(SETTINGS_SCHEMA);
    }

    /** {@code <data_local>/runt}: the installed copy of runtimed (bin/ and, for the Java build, lib/). */
    public Path installDir() {
        return base.dataLocal().resolve(RUNT_DIR);
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
