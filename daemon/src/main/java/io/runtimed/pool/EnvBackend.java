package io.runtimed.pool;

import io.runtimed.protocol.EnvType;
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
    void create(Path dir, PoolSettings settings, ProcessRunner runner) throws EnvBuildException, InterruptedException;

    /** The warm-up script of POOL.md §5/§6 for this pool type. */
    String warmupScript();
}
