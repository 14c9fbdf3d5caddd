package io.runtimed.protocol;

import java.util.Objects;

/** PROTOCOL.md §4.3: one prewarmed environment; field order is the wire order. */
public record PooledEnv(EnvType envType, String venvPath, String pythonPath) {
    public PooledEnv {
        Objects.requireNonNull(envType, "env_type is required");
        Objects.requireNonNull(venvPath, "venv_path is required");
        Objects.requireNonNull(pythonPath, "python_path is required");
    }
}
