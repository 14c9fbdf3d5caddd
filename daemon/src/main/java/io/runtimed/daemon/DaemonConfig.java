package io.runtimed.daemon;

import io.runtimed.execution.KernelOptions;
import io.runtimed.paths.RuntPaths;
import io.runtimed.pool.PoolOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a daemon instance is told at start; made by {@link #builder}. {@code paths} places the
 * lock, daemon.json and the other per-user files ({@code <cache>/runt}, {@code <config>/runt-notebook});
 * {@code socket}, {@code envRoot} and {@code blobDir} can be moved from the command line
 * (DAEMON.md §2), and moving them moves nothing else.
 */
public record DaemonConfig(
        RuntPaths paths,
        Path socket,
        Path envRoot,
        Path blobDir,
        int uvPoolSize,
        int condaPoolSize,
        Duration maxEnvAge,
        Duration handshakeTimeout,
        PoolOptions pool,
        KernelOptions kernels) {

    /** POOL.md §2: three environments of each kind are kept ready. */
    public static final int DEFAULT_POOL_SIZE = 3;
    /** POOL.md §2: environments older than two days are not handed out. */
    public static final Duration DEFAULT_MAX_ENV_AGE = Duration.ofDays(2);
    /** A connection that has not chosen its channel by then is dropped (the reference waits forever). */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    public DaemonConfig {
        Objects.requireNonNull(paths, "paths");
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(envRoot, "envRoot");
        Objects.requireNonNull(blobDir, "blobDir");
        Objects.requireNonNull(maxEnvAge, "maxEnvAge");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(kernels, "kernels");
        if (uvPoolSize < 0 || condaPoolSize < 0) {
            throw new IllegalArgumentException("pool sizes must not be negative");
        }
    }

    /** The defaults for {@code paths}: its socket, env root and blob store, pools of three, two days. */
    public static Builder builder(RuntPaths paths) {
        return new Builder(paths);
    }

    /** {@code <cache>/runt}: where the lock, daemon.json, the settings document and the notebook docs live. */
    public Path runtDir() {
        return paths.runtDir();
    }

    /** {@code <config>/runt-notebook}: settings.json and its schema. */
    public Path settingsDir() {
        return paths.settingsDir();
    }

    public Path lockFile() {
        return paths.lockFile();
    }

    public Path infoFile() {
        return paths.infoFile();
    }

    public Path obsoleteSyncSocket() {
        return paths.obsoleteSyncSocket();
    }

    /** NOTEBOOK.md §4: {@code <cache>/runt/notebook-docs}, beside the lock (so a temp home isolates it). */
    public Path notebookDocsDir() {
        return paths.notebookDocsDir();
    }

    public Path settingsJson() {
        return paths.settingsJson();
    }

    /** {@code <cache>/runt/kernels}: the registry of running kernels and their logs (KERNELS.md §4.5 (ours)). */
    public Path kernelsDir() {
        return paths.runtDir().resolve(RuntPaths.KERNELS_DIR);
    }

    /** Starts from the defaults of one set of paths; each setter overrides one thing. */
    public static final class Builder {
        private final RuntPaths paths;
        private Path socket;
        private Path envRoot;
        private Path blobDir;
        private int uvPoolSize = DEFAULT_POOL_SIZE;
        private int condaPoolSize = DEFAULT_POOL_SIZE;
        private Duration maxEnvAge = DEFAULT_MAX_ENV_AGE;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private PoolOptions pool = PoolOptions.defaults();
        private KernelOptions kernels;

        private Builder(RuntPaths paths) {
            this.paths = Objects.requireNonNull(paths, "paths");
            this.socket = paths.defaultSocket();
            this.envRoot = paths.defaultEnvRoot();
            this.blobDir = paths.defaultBlobDir();
            this.kernels = KernelOptions.defaults(paths.base().dataLocal());
        }

        /** {@code --socket}: the lock and daemon.json stay in the runt dir. */
        public Builder socket(Path socket) {
            this.socket = socket;
            return this;
        }

        /** {@code --cache-dir}: where pooled environments live. */
        public Builder envRoot(Path envRoot) {
            this.envRoot = envRoot;
            return this;
        }

        /** {@code --blob-store-dir}. */
        public Builder blobDir(Path blobDir) {
            this.blobDir = blobDir;
            return this;
        }

        /** Ready environments kept per kind; 0 builds none. */
        public Builder poolSizes(int uv, int conda) {
            this.uvPoolSize = uv;
            this.condaPoolSize = conda;
            return this;
        }

        public Builder maxEnvAge(Duration maxEnvAge) {
            this.maxEnvAge = maxEnvAge;
            return this;
        }

        public Builder handshakeTimeout(Duration handshakeTimeout) {
            this.handshakeTimeout = handshakeTimeout;
            return this;
        }

        /** How environments are built (tools, interpreter, index, threads, retries). */
        public Builder pool(PoolOptions pool) {
            this.pool = pool;
            return this;
        }

        /** Running kernels kept ready, keep-alive, pre-imports, connection files. */
        public Builder kernels(KernelOptions kernels) {
            this.kernels = kernels;
            return this;
        }

        public KernelOptions kernels() {
            return kernels;
        }

        public DaemonConfig build() {
            return new DaemonConfig(paths, socket, envRoot, blobDir, uvPoolSize, condaPoolSize, maxEnvAge,
                    handshakeTimeout, pool, kernels);
        }
    }
}
