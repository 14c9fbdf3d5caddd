package io.runtimed.cli.runtimed.doctor;

import io.runtimed.cli.PoolErrorText;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PoolError;
import io.runtimed.protocol.PoolStats;
import io.runtimed.tools.BackendDetector;
import io.runtimed.tools.DetectedBackend;
import java.util.Optional;

/**
 * The tool that builds a pool's environments (POOL.md §5–6). A running daemon's own answer wins: it
 * searched with its own PATH, which for a service is not the user's (DAEMON.md §10). Without one,
 * the doctor searches as {@code runtimed run} from this shell would, with the daemon's detector.
 * The uv pool is required (uv, or python3 for venv + pip); the conda pool is optional.
 */
final class PoolBackendCheck implements Check {
    private static final String UV_FIX = "install uv (https://docs.astral.sh/uv/) or python3 where the daemon "
            + "looks (its PATH, ~/.local/bin, ~/.cargo/bin, /usr/local/bin)";
    private static final String CONDA_FIX = "optional: install micromamba "
            + "(https://mamba.readthedocs.io/en/latest/installation/micromamba-installation.html), mamba or "
            + "conda where the daemon looks (its PATH, ~/micromamba/bin, ~/miniforge3/bin, /opt/conda/bin)";

    private final EnvType type;
    private final DaemonFacts facts;
    private final BackendDetector detector;

    PoolBackendCheck(EnvType type, DaemonFacts facts, BackendDetector detector) {
        this.type = type;
        this.facts = facts;
        this.detector = detector;
    }

    private String name() {
        return type.wireName() + " pool";
    }

    @Override
    public CheckResult run() throws InterruptedException {
        Optional<PoolStats> stats = facts.stats();
        String daemonBackend = stats.map(s -> type == EnvType.UV ? s.uvBackend() : s.condaBackend()).orElse(null);
        if (daemonBackend != null) {
            return daemonSays(daemonBackend, stats.map(s -> type == EnvType.UV ? s.uvError() : s.condaError()));
        }
        DetectedBackend local = type == EnvType.UV ? detector.uvPool(null, null) : detector.condaPool(null);
        String still = facts.answers() ? "; the daemon reports no tool for it (its pool size is 0, or it is still looking)" : "";
        if (local.whyUnavailable().isPresent()) {
            return missing("'runtimed run' from this shell would find no tool: " + local.whyUnavailable().get()
                    + still, "");
        }
        return CheckResult.ok(name(), "'runtimed run' from this shell would build with " + local.describe() + still);
    }

    private CheckResult daemonSays(String backend, Optional<PoolError> lastError) {
        // PoolFiller: an unavailable backend describes itself as "none" and leaves its reason as the error
        if (backend.equals("none")) {
            return missing("the running daemon cannot build " + type.wireName() + " environments: "
                    + lastError.map(PoolError::message).orElse("it found no tool"), ", then " + Fixes.RESTART_DAEMON);
        }
        if (lastError.isPresent()) {
            return CheckResult.warn(name(), "the daemon builds with " + backend + ", but its last build failed ("
                            + PoolErrorText.details(lastError.get()) + "): " + lastError.get().message(),
                    "remove the cause, then 'runtimed flush-pool' to rebuild (details: 'runt pool status')");
        }
        return CheckResult.ok(name(), "the daemon builds with " + backend);
    }

    private CheckResult missing(String message, String afterFix) {
        return type == EnvType.UV ? CheckResult.fail(name(), message, UV_FIX + afterFix)
                : CheckResult.warn(name(), message, CONDA_FIX + afterFix);
    }
}
