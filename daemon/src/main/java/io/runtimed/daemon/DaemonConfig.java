package io.runtimed.daemon;

import io.runtimed.paths.RuntPaths;
import io.runtimed.pool.PoolOptions;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything a daemon instance is told at start. {@code runtDir} holds the lock, daemon.json and
 * the other per-user files; {@code socket}, {@code envRoot} and {@code blobDir} can be moved from
 * the command line (DAEMON.md §2); {@code settingsDir} is {@code <config>/runt-notebook}.
 */
public record DaemonConfig(
        Path runtDir,
        Path socket,
        Path envRoot,
        Path blobDir,
        Path settingsDir,
        int uvPoolSize,
        int condaPoolSize,
        Duration maxEnvAge,
        Duration handshakeTimeout,
        PoolOptions pool) {

    /** POOL.md §2: environments older than two days are not handed out. */
    public static final Duration DEFAULT_MAX_ENV_AGE = Duration.ofDays(2);
    /** A connection that has not chosen its channel by then is dropped (the reference waits forever). */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    public static DaemonConfig defaults(RuntPaths paths) {
        return new DaemonConfig(paths.runtDir(), paths.defaultSocket(), paths.defaultEnvRoot(),
                paths.defaultBlobDir(), paths.settingsDir(), 3, 3, DEFAULT_MAX_ENV_AGE, DEFAULT_HANDSHAKE_TIMEOUT,
                PoolOptions.defaults());
    }

    public Path lockFile() {
        return runtDir.resolve("daemon.lock");
    }

    public Path infoFile() {
        return runtDir.resolve("daemon.json");
    }

    public Path obsoleteSyncSocket() {
        return runtDir.resolve("runtimed-sync.sock");
    }

    /** NOTEBOOK.md §4: {@code <cache>/runt/notebook-docs}, beside the lock (so a temp home isolates it). */
    public Path notebookDocsDir() {
        return runtDir.resolve("notebook-docs");
    }

    public Path settingsJson() {
        return settingsDir.resolve("settings.json");
    }

    public DaemonConfig withSocket(Path p) {
        return new DaemonConfig(runtDir, p, envRoot, blobDir, settingsDir, uvPoolSize, condaPoolSize, maxEnvAge,
                handshakeTimeout, pool);
    }

    public DaemonConfig withEnvRoot(Path p) {
        return new DaemonConfig(runtDir, socket, p, blobDir, settingsDir, uvPoolSize, condaPoolSize, maxEnvAge,
                handshakeTimeout, pool);
    }

    public DaemonConfig withBlobDir(Path p) {
        return new DaemonConfig(runtDir, socket, envRoot, p, settingsDir, uvPoolSize, condaPoolSize, maxEnvAge,
                handshakeTimeout, pool);
    }

    public DaemonConfig withPoolSizes(int uv, int conda) {
        return new DaemonConfig(runtDir, socket, envRoot, blobDir, settingsDir, uv, conda, maxEnvAge,
                handshakeTimeout, pool);
    }

    public DaemonConfig withHandshakeTimeout(Duration d) {
        return new DaemonConfig(runtDir, socket, envRoot, blobDir, settingsDir, uvPoolSize, condaPoolSize, maxEnvAge,
                d, pool);
    }

    public DaemonConfig withMaxEnvAge(Duration d) {
        return new DaemonConfig(runtDir, socket, envRoot, blobDir, settingsDir, uvPoolSize, condaPoolSize, d,
                handshakeTimeout, pool);
    }

    public DaemonConfig withPool(PoolOptions p) {
        return new DaemonConfig(runtDir, socket, envRoot, blobDir, settingsDir, uvPoolSize, condaPoolSize, maxEnvAge,
                handshakeTimeout, p);
    }
}
