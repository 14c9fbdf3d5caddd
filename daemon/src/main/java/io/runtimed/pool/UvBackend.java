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
 * POOL.md §5: a uv environment is {@code uv venv <dir>} then
 * {@code uv pip install --python <python> ipykernel ipywidgets <pkg>...}. The options a locked-down
 * machine needs (interpreter, system site-packages, index, local wheels) are added only when set,
 * so by default the command lines are exactly the original's.
 */
public final class UvBackend implements EnvBackend {
    static final Duration VENV_TIMEOUT = Duration.ofSeconds(60);
    static final Duration INSTALL_TIMEOUT = Duration.ofSeconds(120);

    private final Path uv;

    public UvBackend(Path uv) {
        this.uv = uv;
    }

    @Override
    public EnvType type() {
        return EnvType.UV;
    }

    @Override
    public String describe() {
        return DetectedBackend.Kind.UV.describe(uv);
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public void create(Path dir, PoolSettings settings, ProcessRunner runner) throws StepFailedException, InterruptedException {
        List<String> venv = new ArrayList<>(List.of(uv.toString(), "venv"));
        if (settings.python() != null) {
            venv.addAll(List.of("--python", settings.python().toString()));
        }
        if (settings.systemSitePackages()) {
            venv.add("--system-site-packages");
        }
        venv.add(dir.toString());
        runner.runOk("uv venv", venv, null, VENV_TIMEOUT);

        List<String> install = new ArrayList<>(List.of(uv.toString(), "pip", "install", "--python",
                EnvDirectories.pythonPath(EnvType.UV, dir).toString()));
        PipOptions.add(install, settings);
        install.add("ipykernel");
        install.add("ipywidgets");
        install.addAll(settings.uvPackages());
        runner.runOk("uv pip install", install, null, INSTALL_TIMEOUT);
    }

    @Override
    public String warmupScript() {
        return WarmupScripts.UV;
    }
}
