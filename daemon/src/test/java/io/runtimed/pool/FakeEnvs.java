package io.runtimed.pool;

import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PooledEnv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Environment directories as the warmers leave them (POOL.md §3), without building anything: an
 * empty {@code bin/python} stands in for the interpreter, an empty {@code .warmed} for a finished
 * warm-up.
 */
final class FakeEnvs {
    private FakeEnvs() {
    }

    /** A finished environment of our naming directly under {@code root}. */
    static Path ready(Path root, EnvType type) {
        return create(root, EnvDirectories.prefix(type) + UUID.randomUUID(), type, true, true);
    }

    static Path create(Path root, String name, EnvType type, boolean withPython, boolean warmed) {
        try {
            Path dir = Files.createDirectories(root.resolve(name));
            if (withPython) {
                Path python = EnvDirectories.pythonPath(type, dir);
                Files.createDirectories(python.getParent());
                Files.writeString(python, "#!/bin/sh\n");
            }
            if (warmed) {
                Files.createFile(dir.resolve(EnvDirectories.WARMED_MARKER));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static PooledEnv describe(EnvType type, Path dir) {
        return EnvDirectories.describe(type, dir);
    }
}
