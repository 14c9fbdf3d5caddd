package io.runtimed.tools;

import io.runtimed.protocol.EnvType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the tools that build each pool, once at start, in the {@link ToolSearchPath}: besides PATH
 * it looks where these tools are usually installed per user, as a service started at login often
 * has a PATH without them (DAEMON.md §10).
 */
public final class BackendDetector {
    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(20);
    /** Conda-family tools in order of preference: the fastest solver first. */
    static final List<String> CONDA_TOOLS = List.of("micromamba", "mamba", "conda");

    private final ToolSearchPath searchPath;
    private final ProcessRunner runner;

    public BackendDetector(Map<String, String> env, Path home, ProcessRunner runner) {
        this.searchPath = ToolSearchPath.of(env, home);
        this.runner = runner;
    }

    /**
     * The uv pool's backend: the given uv, else uv found here, else {@code python -m venv} with the
     * given interpreter or python3 found here.
     */
    public DetectedBackend uvPool(Path uvFlag, Path pythonFlag) throws InterruptedException {
        if (uvFlag != null) {
            return runs(uvFlag).map(why -> DetectedBackend.unavailable(EnvType.UV, why))
                    .orElseGet(() -> DetectedBackend.found(EnvType.UV, DetectedBackend.Kind.UV, uvFlag));
        }
        Optional<Path> uv = find("uv");
        if (uv.isPresent() && runs(uv.get()).isEmpty()) {
            return DetectedBackend.found(EnvType.UV, DetectedBackend.Kind.UV, uv.get());
        }
        Optional<Path> python = pythonFlag != null ? Optional.of(pythonFlag) : find("python3").or(() -> find("python"));
        if (python.isPresent()) {
            return DetectedBackend.found(EnvType.UV, DetectedBackend.Kind.VENV, python.get());
        }
        return DetectedBackend.unavailable(EnvType.UV, "neither uv nor python3 was found (searched PATH and "
                + "~/.local/bin, ~/.cargo/bin); install uv or pass --uv PATH or --python PATH");
    }

    /** The conda pool's backend: the given tool, else micromamba, mamba or conda found here. */
    public DetectedBackend condaPool(Path condaFlag) throws InterruptedException {
        if (condaFlag != null) {
            return runs(condaFlag).map(why -> DetectedBackend.unavailable(EnvType.CONDA, why))
                    .orElseGet(() -> DetectedBackend.found(EnvType.CONDA, DetectedBackend.Kind.CONDA, condaFlag));
        }
        for (String tool : CONDA_TOOLS) {
            Optional<Path> found = find(tool);
            if (found.isPresent() && runs(found.get()).isEmpty()) {
                return DetectedBackend.found(EnvType.CONDA, DetectedBackend.Kind.CONDA, found.get());
            }
        }
        return DetectedBackend.unavailable(EnvType.CONDA, "no micromamba, mamba or conda was found (searched PATH "
                + "and the usual install directories); install one or pass --conda PATH");
    }

    /** The first executable named {@code program} in the search directories. */
    public Optional<Path> find(String program) {
        return searchPath.find(program);
    }

    /** Empty if {@code tool --version} succeeds, else why not. */
    private Optional<String> runs(Path tool) throws InterruptedException {
        try {
            ProcessRunner.Result r = runner.run(tool.getFileName() + " --version", List.of(tool.toString(), "--version"),
                    null, VERSION_TIMEOUT);
            return r.ok() ? Optional.empty()
                    : Optional.of(tool + " --version failed (exit " + r.exitCode() + ")");
        } catch (StepFailedException e) {
            return Optional.of(e.getMessage());
        }
    }
}
