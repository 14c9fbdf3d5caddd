package io.runtimed.pool;

import io.runtimed.protocol.EnvType;
import io.runtimed.tools.DetectedBackend;
import io.runtimed.tools.ProcessRunner;
import io.runtimed.tools.StepFailedException;
import java.nio.file.Path;
import java.util.Optional;

/** Creates the contents of one environment directory for one pool type. */
public interface EnvBackend {
    EnvType type();

    /** What builds this pool, for status: e.g. "uv (/usr/bin/uv)". */
    String describe();

    /** Why this backend cannot build anything here, or empty when it can. */
    Optional<String> unavailableReason();

    /**
     * Creates the environment at {@code dir} (which does not exist yet) with ipykernel, ipywidgets
     * and the settings' default packages. The caller warms and verifies it afterwards and deletes
     * {@code dir} if anything fails.
     */
    void create(Path dir, PoolSettings settings, ProcessRunner runner) throws StepFailedException, InterruptedException;

    /** The warm-up script of POOL.md §5/§6 for this pool type. */
    String warmupScript();

    /** The backend that builds with what detection found. */
    static EnvBackend of(DetectedBackend detected) {
        switch (detected.kind()) {
            case UV: return new UvBackend(detected.tool());
            case VENV: return new VenvBackend(detected.tool());
            case CONDA: return new CondaBackend(detected.tool());
            default: return new UnavailableBackend(detected.type(), detected.unavailableReason());
        }
    }
}
