package io.runtimed.cli;

import io.runtimed.daemon.DaemonConfig;
import io.runtimed.paths.RuntPaths;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/** DAEMON.md §8: the options of {@code runtimed run}, also accepted by a bare {@code runtimed}. */
final class RunOptions {
    @Option(names = "--socket", paramLabel = "PATH", description = "socket path (default: <cache>/runt/runtimed.sock)")
    Path socket;

    @Option(names = "--cache-dir", paramLabel = "PATH", description = "where pooled environments live (default: <cache>/runt/envs)")
    Path cacheDir;

    @Option(names = "--blob-store-dir", paramLabel = "PATH", description = "blob store directory (default: <cache>/runt/blobs)")
    Path blobStoreDir;

    @Option(names = "--uv-pool-size", paramLabel = "N", defaultValue = "3", description = "uv environments kept ready (default: ${DEFAULT-VALUE})")
    int uvPoolSize = 3;

    @Option(names = "--conda-pool-size", paramLabel = "N", defaultValue = "3", description = "conda environments kept ready (default: ${DEFAULT-VALUE})")
    int condaPoolSize = 3;

    @Option(names = "--handshake-timeout-ms", paramLabel = "MS", defaultValue = "10000",
            description = "drop a connection that sends no handshake within this time (default: ${DEFAULT-VALUE})")
    long handshakeTimeoutMs = 10_000;

    /** The daemon configuration these options describe, or an error message for a bad value. */
    DaemonConfig toConfig(RuntPaths paths) {
        if (uvPoolSize < 0 || condaPoolSize < 0) {
            throw new IllegalArgumentException("pool sizes must not be negative");
        }
        if (handshakeTimeoutMs <= 0) {
            throw new IllegalArgumentException("--handshake-timeout-ms must be positive");
        }
        DaemonConfig config = DaemonConfig.defaults(paths).withPoolSizes(uvPoolSize, condaPoolSize)
                .withHandshakeTimeout(Duration.ofMillis(handshakeTimeoutMs));
        if (socket != null) {
            config = config.withSocket(socket.toAbsolutePath());
        }
        if (cacheDir != null) {
            config = config.withEnvRoot(cacheDir.toAbsolutePath());
        }
        if (blobStoreDir != null) {
            config = config.withBlobDir(blobStoreDir.toAbsolutePath());
        }
        return config;
    }
}
