package io.runtimed.execution;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the daemon runs kernels. Each of the first three is taken from the command line when given
 * there (non-null here), else from the live settings ({@code kernels.pool_size},
 * {@code kernels.keep_alive_secs}, {@code kernels.preimport} in settings.json), else the default;
 * settings are read at each use, so a window's change applies without a restart.
 *
 * @param poolSize      running kernels kept ready (0: none; a launch then starts one)
 * @param keepAlive     how long a room keeps its kernel after its last window left (KERNELS.md §4.4)
 * @param preimports    modules every pooled kernel imports before it is handed out
 * @param connectionDir the Jupyter runtime directory for connection files (§5.5)
 */
public record KernelOptions(Integer poolSize, Duration keepAlive, List<String> preimports, Path connectionDir) {
    public static final int DEFAULT_POOL_SIZE = 1;
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(30);
    /** The largest pool a setting can ask for: each kernel holds an environment and ~50 MB. */
    public static final int MAX_POOL_SIZE = 8;

    public KernelOptions {
        if (poolSize != null && poolSize < 0) {
            throw new IllegalArgumentException("the kernel pool size must not be negative");
        }
        if (keepAlive != null && keepAlive.isNegative()) {
            throw new IllegalArgumentException("the kernel keep-alive must not be negative");
        }
        preimports = preimports == null ? null : List.copyOf(preimports);
        Objects.requireNonNull(connectionDir, "connectionDir");
    }

    /** Nothing given on the command line; connection files in the Jupyter runtime directory. */
    public static KernelOptions defaults(Path dataLocal) {
        return new KernelOptions(null, null, null, jupyterRuntimeDir(System.getenv(), dataLocal));
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

    public KernelOptions withPoolSize(Integer n) {
        return new KernelOptions(n, keepAlive, preimports, connectionDir);
    }

    public KernelOptions withKeepAlive(Duration d) {
        return new KernelOptions(poolSize, d, preimports, connectionDir);
    }

    public KernelOptions withPreimports(List<String> modules) {
        return new KernelOptions(poolSize, keepAlive, modules, connectionDir);
    }

    /** The pool size now: command line, else {@code kernels.pool_size}, else 1. */
    public int poolSize(JsonNode settings) {
        if (poolSize != null) {
            return poolSize;
        }
        JsonNode v = settings.path("kernels").path("pool_size");
        long n = v.isNumber() ? v.asLong() : v.isTextual() ? parseLong(v.asText(), DEFAULT_POOL_SIZE) : DEFAULT_POOL_SIZE;
        return (int) Math.max(0, Math.min(MAX_POOL_SIZE, n));
    }

    /** The keep-alive now: command line, else {@code kernels.keep_alive_secs}, else 30 s. */
    public Duration keepAlive(JsonNode settings) {
        if (keepAlive != null) {
            return keepAlive;
        }
        JsonNode v = settings.path("kernels").path("keep_alive_secs");
        double secs = v.isNumber() ? v.asDouble() : v.isTextual() ? parseDouble(v.asText()) : -1;
        return secs >= 0 ? Duration.ofMillis((long) (secs * 1000)) : DEFAULT_KEEP_ALIVE;
    }

    /** The modules to pre-import now: command line, else {@code kernels.preimport}, else none. */
    public List<String> preimports(JsonNode settings) {
        if (preimports != null) {
            return preimports;
        }
        List<String> modules = new ArrayList<>();
        for (JsonNode m : settings.path("kernels").path("preimport")) {
            if (m.isTextual()) {
                modules.add(m.asText());
            }
        }
        return modules;
    }

    private static long parseLong(String s, long fallback) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static double parseDouble(String s) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
