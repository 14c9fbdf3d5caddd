package io.runtimed.pool;

import io.runtimed.protocol.PooledEnv;
import io.runtimed.tools.ProcessRunner;
import io.runtimed.tools.StepFailedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds one environment: create it with the pool's backend, run the warm-up script, check that
 * {@code import ipykernel} works, then write the {@code .warmed} marker. Only a directory with that
 * marker is ever handed out or adopted after a restart; anything that fails is deleted.
 */
public final class EnvBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(EnvBuilder.class);
    static final Duration WARMUP_TIMEOUT = Duration.ofSeconds(30);

    private final EnvDirectories dirs;
    private final ProcessRunner runner;

    public EnvBuilder(EnvDirectories dirs, ProcessRunner runner) {
        this.dirs = dirs;
        this.runner = runner;
    }

    public PooledEnv build(EnvBackend backend, PoolSettings settings) throws StepFailedException, InterruptedException {
        Path dir = dirs.newEnvDir(backend.type());
        long started = System.nanoTime();
        try {
            Files.createDirectories(dirs.root());
            backend.create(dir, settings, runner);
            Path python = EnvDirectories.pythonPath(backend.type(), dir);
            if (!Files.exists(python)) {
                throw new StepFailedException("no interpreter at " + python + " after creating the environment");
            }
            runner.runOk("warm-up", List.of(python.toString(), "-c", backend.warmupScript()), dir, WARMUP_TIMEOUT);
            runner.runOk("ipykernel check", List.of(python.toString(), "-c", "import ipykernel"), dir, WARMUP_TIMEOUT);
            Files.createFile(dir.resolve(EnvDirectories.WARMED_MARKER));
            LOG.info("built {} environment {} in {} ms", backend.type(), dir.getFileName(),
                    (System.nanoTime() - started) / 1_000_000);
            return EnvDirectories.describe(backend.type(), dir);
        } catch (IOException e) {
            deleteQuietly(dir);
            throw new StepFailedException("cannot write " + dir + ": " + e.getMessage());
        } catch (StepFailedException | InterruptedException | RuntimeException e) {
            deleteQuietly(dir);
            throw e;
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            EnvDirectories.deleteTree(dir);
        } catch (IOException e) {
            LOG.warn("could not delete the failed environment {}: {}", dir, e.getMessage());
        }
    }
}
