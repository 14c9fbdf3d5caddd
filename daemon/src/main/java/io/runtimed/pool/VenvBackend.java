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
 * UV-type environments without uv: they are plain virtualenvs, so {@code python -m venv} and pip
 * build the same thing (slower). Offline machines work with {@code --system-site-packages} (pip then
 * finds ipykernel already installed) or with a local wheel directory.
 */
public final class VenvBackend implements EnvBackend {
    static final Duration VENV_TIMEOUT = Duration.ofSeconds(120);
    static final Duration INSTALL_TIMEOUT = Duration.ofSeconds(300);

    private final Path defaultPython;

    /** @param defaultPython the interpreter used when the settings name none */
    public VenvBackend(Path defaultPython) {
        this.defaultPython = defaultPython;
    }

    @Override
    public EnvType type() {
        return EnvType.UV;
    }

    @Override
    public String describe() {
        return DetectedBackend.Kind.VENV.describe(defaultPython);
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public void create(Path dir, PoolSettings settings, ProcessRunner runner) throws StepFailedException, InterruptedException {
        Path python = settings.python() != null ? settings.python() : defaultPython;
        List<String> venv = new ArrayList<>(List.of(python.toString(), "-m", "venv"));
        if (settings.systemSitePackages()) {
            venv.add("--system-site-packages");
        }
        venv.add(dir.toString());
        runner.runOk("python -m venv", venv, null, VENV_TIMEOUT);

        List<String> install = new ArrayList<>(List.of(EnvDirectories.pythonPath(EnvType.UV, dir).toString(),
                "-m", "pip", "install", "--disable-pip-version-check", "--no-input"));
        PipOptions.add(install, settings);
        install.add("ipykernel");
        install.add("ipywidgets");
        install.addAll(settings.uvPackages());
        runner.runOk("pip install", install, null, INSTALL_TIMEOUT);
    }

    @Override
    public String warmupScript() {
        return WarmupScripts.UV;
    }
}
