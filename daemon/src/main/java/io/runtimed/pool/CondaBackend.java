package io.runtimed.pool;

import io.runtimed.protocol.EnvType;
import io.runtimed.tools.DetectedBackend;
import io.runtimed.tools.ProcessRunner;
import io.runtimed.tools.StepFailedException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * POOL.md §6: the original solves conda environments in-process (rattler, which has no JVM
 * equivalent); we drive micromamba, mamba or conda, which produce the same prefix:
 * {@code <tool> create -y -p <dir> -c conda-forge --override-channels python>=3.9 ipykernel ipywidgets <specs>}.
 */
public final class CondaBackend implements EnvBackend {
    /** Solving and downloading can be slow on a cold package cache. */
    static final Duration CREATE_TIMEOUT = Duration.ofMinutes(10);

    private final Path tool;

    public CondaBackend(Path tool) {
        this.tool = tool;
    }

    @Override
    public EnvType type() {
        return EnvType.CONDA;
    }

    @Override
    public String describe() {
        return DetectedBackend.Kind.CONDA.describe(tool);
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public void create(Path dir, PoolSettings settings, ProcessRunner runner) throws StepFailedException, InterruptedException {
        List<String> create = new ArrayList<>(List.of(tool.toString(), "create", "-y", "-p", dir.toString(),
                "-c", "conda-forge", "--override-channels", "python>=3.9", "ipykernel", "ipywidgets"));
        create.addAll(settings.condaPackages());
        runner.runOk(tool.getFileName() + " create", create, null, CREATE_TIMEOUT);
    }

    @Override
    public String warmupScript() {
        return WarmupScripts.CONDA;
    }
}
