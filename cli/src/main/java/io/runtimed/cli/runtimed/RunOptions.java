package io.runtimed.cli.runtimed;

import io.runtimed.daemon.DaemonConfig;
import io.runtimed.paths.RuntPaths;
import io.runtimed.pool.PoolOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

    @Option(names = "--uv", paramLabel = "PATH", description = "the uv binary to build uv environments with (default: found on PATH)")
    Path uv;

    @Option(names = "--conda", paramLabel = "PATH",
            description = "the micromamba, mamba or conda binary for conda environments (default: found on PATH, in that order)")
    Path conda;

    @Option(names = "--python", paramLabel = "PATH", description = "interpreter for new uv-type environments (settings: uv.python)")
    Path python;

    @Option(names = "--system-site-packages",
            description = "let uv-type environments see the interpreter's packages, e.g. Debian's python3-ipykernel on an offline machine (settings: uv.system_site_packages)")
    boolean systemSitePackages;

    @Option(names = "--pip-index-url", paramLabel = "URL", description = "package index for pip and uv (settings: uv.pip_index_url)")
    String pipIndexUrl;

    @Option(names = "--pip-find-links", paramLabel = "DIR", description = "a directory of wheels for pip and uv (settings: uv.pip_find_links)")
    Path pipFindLinks;

    @Option(names = "--build-threads", paramLabel = "N", defaultValue = "2",
            description = "environments built at the same time (default: ${DEFAULT-VALUE})")
    int buildThreads = 2;

    @Option(names = "--build-retry-ms", paramLabel = "MS", defaultValue = "5000",
            description = "first wait after a failed build; doubles per failure up to 10 minutes (default: ${DEFAULT-VALUE})")
    long buildRetryMs = 5000;

    @Option(names = "--max-env-age-s", paramLabel = "SECONDS", defaultValue = "172800",
            description = "ready environments older than this are deleted, not handed out (default: ${DEFAULT-VALUE}, two days)")
    long maxEnvAgeSeconds = 172_800;

    @Option(names = "--kernel-pool-size", paramLabel = "N",
            description = "running kernels kept ready for new notebooks; 0 turns the pool off "
                    + "(settings: kernels.pool_size; default: 1)")
    Integer kernelPoolSize;

    @Option(names = "--kernel-keep-alive-ms", paramLabel = "MS",
            description = "how long a notebook's kernel outlives its last window "
                    + "(settings: kernels.keep_alive_secs; default: 30 s)")
    Long kernelKeepAliveMs;

    @Option(names = "--kernel-preimport", paramLabel = "MODULE", split = ",",
            description = "modules every pooled kernel imports before it is handed out, comma-separated "
                    + "(settings: kernels.preimport)")
    List<String> kernelPreimports;

    /** The daemon configuration these options describe, or an error message for a bad value. */
    DaemonConfig toConfig(RuntPaths paths) {
        if (uvPoolSize < 0 || condaPoolSize < 0) {
            throw new IllegalArgumentException("pool sizes must not be negative");
        }
        if (handshakeTimeoutMs <= 0) {
            throw new IllegalArgumentException("--handshake-timeout-ms must be positive");
        }
        if (buildThreads < 1 || buildRetryMs < 1 || maxEnvAgeSeconds < 1) {
            throw new IllegalArgumentException("--build-threads, --build-retry-ms and --max-env-age-s must be positive");
        }
        if ((kernelPoolSize != null && kernelPoolSize < 0) || (kernelKeepAliveMs != null && kernelKeepAliveMs < 0)) {
            throw new IllegalArgumentException("--kernel-pool-size and --kernel-keep-alive-ms must not be negative");
        }
        DaemonConfig.Builder config = DaemonConfig.builder(paths).poolSizes(uvPoolSize, condaPoolSize)
                .handshakeTimeout(Duration.ofMillis(handshakeTimeoutMs))
                .maxEnvAge(Duration.ofSeconds(maxEnvAgeSeconds))
                .pool(new PoolOptions(abs(uv), abs(conda), abs(python), systemSitePackages, pipIndexUrl,
                        abs(pipFindLinks), buildThreads, Duration.ofMillis(buildRetryMs), Duration.ofMinutes(10)));
        if (socket != null) {
            config.socket(socket.toAbsolutePath());
        }
        if (cacheDir != null) {
            config.envRoot(cacheDir.toAbsolutePath());
        }
        if (blobStoreDir != null) {
            config.blobDir(blobStoreDir.toAbsolutePath());
        }
        config.kernels(config.kernels().withPoolSize(kernelPoolSize)
                .withKeepAlive(kernelKeepAliveMs == null ? null : Duration.ofMillis(kernelKeepAliveMs))
                .withPreimports(kernelPreimports));
        return config.build();
    }

    private static Path abs(Path p) {
        return p == null ? null : p.toAbsolutePath();
    }
}
