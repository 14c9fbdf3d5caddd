package io.runtimed.cli.runtimed;

import io.runtimed.daemon.DaemonConfig;
import io.runtimed.paths.RuntPaths;
import io.runtimed.pool.PoolOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * DAEMON.md §8: the options of {@code runtimed run}, also accepted by a bare {@code runtimed}. Built
 * in code (issue 16): the daemon's start pays for every annotation picocli would read.
 */
final class RunOptions {
    private final OptionSpec socket = path("--socket", "PATH", "socket path (default: <cache>/runt/runtimed.sock)");
    private final OptionSpec cacheDir = path("--cache-dir", "PATH", "where pooled environments live (default: <cache>/runt/envs)");
    private final OptionSpec blobStoreDir = path("--blob-store-dir", "PATH", "blob store directory (default: <cache>/runt/blobs)");
    private final OptionSpec uvPoolSize = number("--uv-pool-size", "N", int.class, "3",
            "uv environments kept ready (default: ${DEFAULT-VALUE})");
    private final OptionSpec condaPoolSize = number("--conda-pool-size", "N", int.class, "3",
            "conda environments kept ready (default: ${DEFAULT-VALUE})");
    private final OptionSpec handshakeTimeoutMs = number("--handshake-timeout-ms", "MS", long.class, "10000",
            "drop a connection that sends no handshake within this time (default: ${DEFAULT-VALUE})");
    private final OptionSpec uv = path("--uv", "PATH", "the uv binary to build uv environments with (default: found on PATH)");
    private final OptionSpec conda = path("--conda", "PATH",
            "the micromamba, mamba or conda binary for conda environments (default: found on PATH, in that order)");
    private final OptionSpec python = path("--python", "PATH", "interpreter for new uv-type environments (settings: uv.python)");
    private final OptionSpec systemSitePackages = OptionSpec.builder("--system-site-packages").type(boolean.class).arity("0")
            .initialValue(false).hasInitialValue(true)
            .description("let uv-type environments see the interpreter's packages, e.g. Debian's python3-ipykernel on an "
                    + "offline machine (settings: uv.system_site_packages)").build();
    private final OptionSpec pipIndexUrl = OptionSpec.builder("--pip-index-url").type(String.class).paramLabel("URL")
            .description("package index for pip and uv (settings: uv.pip_index_url)").build();
    private final OptionSpec pipFindLinks = path("--pip-find-links", "DIR", "a directory of wheels for pip and uv (settings: uv.pip_find_links)");
    private final OptionSpec buildThreads = number("--build-threads", "N", int.class, "2",
            "environments built at the same time (default: ${DEFAULT-VALUE})");
    private final OptionSpec buildRetryMs = number("--build-retry-ms", "MS", long.class, "5000",
            "first wait after a failed build; doubles per failure up to 10 minutes (default: ${DEFAULT-VALUE})");
    private final OptionSpec maxEnvAgeSeconds = number("--max-env-age-s", "SECONDS", long.class, "172800",
            "ready environments older than this are deleted, not handed out (default: ${DEFAULT-VALUE}, two days)");
    private final OptionSpec kernelPoolSize = number("--kernel-pool-size", "N", Integer.class, null,
            "running kernels kept ready for new notebooks; 0 turns the pool off (settings: kernels.pool_size; default: 1)");
    private final OptionSpec kernelKeepAliveMs = number("--kernel-keep-alive-ms", "MS", Long.class, null,
            "how long a notebook's kernel outlives its last window (settings: kernels.keep_alive_secs; default: 30 s)");
    private final OptionSpec kernelPreimports = OptionSpec.builder("--kernel-preimport").type(List.class)
            .auxiliaryTypes(String.class).paramLabel("MODULE").splitRegex(",")
            .description("modules every pooled kernel imports before it is handed out, comma-separated "
                    + "(settings: kernels.preimport)").build();

    /** Adds every option to {@code spec} (a bare {@code runtimed} or {@code runtimed run}). */
    CommandSpec addTo(CommandSpec spec) {
        for (OptionSpec o : List.of(socket, cacheDir, blobStoreDir, uvPoolSize, condaPoolSize, handshakeTimeoutMs, uv, conda,
                python, systemSitePackages, pipIndexUrl, pipFindLinks, buildThreads, buildRetryMs, maxEnvAgeSeconds,
                kernelPoolSize, kernelKeepAliveMs, kernelPreimports)) {
            spec.addOption(o);
        }
        return spec;
    }

    private static OptionSpec path(String name, String label, String description) {
        return OptionSpec.builder(name).type(Path.class).paramLabel(label).description(description).build();
    }

    private static OptionSpec number(String name, String label, Class<?> type, String defaultValue, String description) {
        OptionSpec.Builder b = OptionSpec.builder(name).type(type).paramLabel(label).description(description);
        return (defaultValue == null ? b : b.defaultValue(defaultValue)).build();
    }

    /** The daemon configuration these options describe, or an error message for a bad value. */
    DaemonConfig toConfig(RuntPaths paths) {
        int uvPool = uvPoolSize.getValue();
        int condaPool = condaPoolSize.getValue();
        long handshakeMs = handshakeTimeoutMs.getValue();
        int threads = buildThreads.getValue();
        long retryMs = buildRetryMs.getValue();
        long maxAgeSeconds = maxEnvAgeSeconds.getValue();
        Integer kernels = kernelPoolSize.getValue();
        Long keepAliveMs = kernelKeepAliveMs.getValue();
        if (uvPool < 0 || condaPool < 0) {
            throw new IllegalArgumentException("pool sizes must not be negative");
        }
        if (handshakeMs <= 0) {
            throw new IllegalArgumentException("--handshake-timeout-ms must be positive");
        }
        if (threads < 1 || retryMs < 1 || maxAgeSeconds < 1) {
            throw new IllegalArgumentException("--build-threads, --build-retry-ms and --max-env-age-s must be positive");
        }
        if ((kernels != null && kernels < 0) || (keepAliveMs != null && keepAliveMs < 0)) {
            throw new IllegalArgumentException("--kernel-pool-size and --kernel-keep-alive-ms must not be negative");
        }
        DaemonConfig.Builder config = DaemonConfig.builder(paths).poolSizes(uvPool, condaPool)
                .handshakeTimeout(Duration.ofMillis(handshakeMs))
                .maxEnvAge(Duration.ofSeconds(maxAgeSeconds))
                .pool(new PoolOptions(abs(uv), abs(conda), abs(python), systemSitePackages.getValue(), pipIndexUrl.getValue(),
                        abs(pipFindLinks), threads, Duration.ofMillis(retryMs), Duration.ofMinutes(10)));
        if (socket.getValue() != null) {
            config.socket(abs(socket));
        }
        if (cacheDir.getValue() != null) {
            config.envRoot(abs(cacheDir));
        }
        if (blobStoreDir.getValue() != null) {
            config.blobDir(abs(blobStoreDir));
        }
        List<String> preimports = kernelPreimports.getValue();
        config.kernels(config.kernels().withPoolSize(kernels)
                .withKeepAlive(keepAliveMs == null ? null : Duration.ofMillis(keepAliveMs))
                .withPreimports(preimports));
        return config.build();
    }

    private static Path abs(OptionSpec option) {
        Path p = option.getValue();
        return p == null ? null : p.toAbsolutePath();
    }
}
