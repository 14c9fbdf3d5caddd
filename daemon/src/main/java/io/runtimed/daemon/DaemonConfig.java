package io.runtimed.daemon;

import io.runtimed.paths.RuntPaths;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything a daemon instance is told at start. {@code runtDir} holds the lock, daemon.json and
 * the other per-user files; {@code socket}, {@code envRoot} and {@code blobDir} can be moved from
 * the command line (DAEMON.md §2).
 */
public record DaemonConfig(
        Path runtDir,
        Path socket,
        Path envRoot,
        Path blobDir,
        int uvPoolSize,
        int condaPoolSize,
        Duration maxEnvAge,
        Duration handshakeTimeout) {

    /** POOL.md §2: environments older than two days are not handed out. */
    public static final Duration DEFAULT_MAX_ENV_AGE = Duration.ofDays(2);
    /** A connection that has not chosen its channel by then is dropped (the reference waits forever). */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    public static DaemonConfig defaults(RuntPaths paths) {
        return new DaemonConfig(paths.runtDir(), paths.defaultSocket(), paths.defaultEnvRoot(),
                paths.defaultBlobDir(), 3, 3, DEFAULT_MAX_ENV_AGE, DEFAULT_HANDSHAKE_TIMEOUT);
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

    public DaemonConfig withSocket(Path p) {
        return new DaemonConfig(runtDir, p, envRoot, blobDir, uvPoolSize, condaPoolSize, maxEnvAge, handshakeTimeout);
    }

    public DaemonConfig withEnvRoot(Path p) {
        return new DaemonConfig(runtDir, socket, p, blobDir, uvPoolSize, condaPoolSize, maxEnvAge, handshakeTimeout);
    }

    public DaemonConfig withBlobDir(Path p) {
        return new DaemonConfig(runtDir, socket, envRoot, p, uvPoolSize, condaPoolSize, maxEnvAge, handshakeTimeout);
    }

    public DaemonConfig withPoolSizes(int uv, int conda) {
        return new DaemonConfig(runtDir, socket, envRoot, blobDir, uv, conda, maxEnvAge, handshakeTimeout);
    }

    public DaemonConfig withHandshakeTimeout(Duration d) {
        return new DaemonConfig(runtDir, socket, envRoot, blobDir, uvPoolSize, condaPoolSize, maxEnvAge, d);
    }
}
