package io.runtimed.execution;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the daemon runs kernels, as configured at start (settings can change the pool's size, its
 * imports and the keep-alive later).
 *
 * @param poolSize      running kernels kept ready (0: none; a launch then starts one)
 * @param keepAlive     how long a room keeps its kernel after its last window left (KERNELS.md §4.4)
 * @param preimports    modules every pooled kernel imports before it is handed out
 * @param connectionDir the Jupyter runtime directory for connection files (§5.5)
 */
public record KernelOptions(int poolSize, Duration keepAlive, List<String> preimports, Path connectionDir) {
    public static final int DEFAULT_POOL_SIZE = 1;
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(30);

    public KernelOptions {
        if (poolSize < 0) {
            throw new IllegalArgumentException("the kernel pool size must not be negative");
        }
        Objects.requireNonNull(keepAlive, "keepAlive");
        preimports = List.copyOf(preimports);
        Objects.requireNonNull(connectionDir, "connectionDir");
    }

    public static KernelOptions defaults(Path dataLocal) {
        return new KernelOptions(DEFAULT_POOL_SIZE, DEFAULT_KEEP_ALIVE, List.of(), jupyterRuntimeDir(System.getenv(), dataLocal));
    }

    /**
     * §5.5: {@code $JUPYTER_RUNTIME_DIR}, else {@code $XDG_RUNTIME_DIR/jupyter}, else
     * {@code <data_local>/jupyter/runtime}.
     */
    public static Path jupyterRuntimeDir(Map<String, String> env, Path dataLocal) {
        String explicit = env.get("JUPYTER_RUNTIME_DIR");
        if (explicit != null && !explicit.isEmpty()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "jupyter");
        }
        return dataLocal.resolve("jupyter").resolve("runtime");
    }

    public KernelOptions withPoolSize(int n) {
        return new KernelOptions(n, keepAlive, preimports, connectionDir);
    }

    public KernelOptions withKeepAlive(Duration d) {
        return new KernelOptions(poolSize, d, preimports, connectionDir);
    }

    public KernelOptions withPreimports(List<String> modules) {
        return new KernelOptions(poolSize, keepAlive, modules, connectionDir);
    }
}
