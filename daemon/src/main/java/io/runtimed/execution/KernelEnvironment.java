package io.runtimed.execution;

import io.runtimed.pool.EnvDirectories;
import io.runtimed.protocol.PooledEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pooled environment handed to a kernel (KERNELS.md §5.2 (ours)): it never re-enters the pool.
 * Its {@code .warmed} marker goes the moment it is taken, so a daemon killed while the kernel runs
 * finds it unfinished at the next start and removes it instead of adopting an environment a user
 * may have installed into; the directory is deleted once its kernel has stopped.
 */
final class KernelEnvironment {
    private static final Logger LOG = LoggerFactory.getLogger(KernelEnvironment.class);

    private final PooledEnv env;

    private KernelEnvironment(PooledEnv env) {
        this.env = env;
    }

    static KernelEnvironment claim(PooledEnv env) {
        try {
            Files.deleteIfExists(Path.of(env.venvPath()).resolve(EnvDirectories.WARMED_MARKER));
        } catch (IOException e) {
            LOG.warn("could not unmark {}: {}", env.venvPath(), e.getMessage());
        }
        return new KernelEnvironment(env);
    }

    PooledEnv env() {
        return env;
    }

    Path python() {
        return Path.of(env.pythonPath());
    }

    Path directory() {
        return Path.of(env.venvPath());
    }

    /** After the kernel stopped: the environment is gone for good. */
    void delete() {
        try {
            EnvDirectories.deleteTree(directory());
            LOG.debug("deleted the kernel's environment {}", directory());
        } catch (IOException e) {
            LOG.warn("could not delete the kernel's environment {}: {}", directory(), e.getMessage());
        }
    }
}
