package io.runtimed.execution;

import io.runtimed.blob.BlobStore;
import io.runtimed.kernel.KernelLaunchException;
import io.runtimed.kernel.KernelLauncher;
import io.runtimed.kernel.KernelRegistry;
import io.runtimed.outputs.OutputBlobs;
import io.runtimed.outputs.OutputRouter;
import io.runtimed.protocol.EnvType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's kernels as a whole: where a room's kernel comes from (a running one from the
 * {@link KernelPool}, else one started in a pooled environment), the blob store its outputs go to,
 * and how long a room keeps its kernel after its last window left.
 */
public final class Kernels implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Kernels.class);

    private final KernelStarter starter;
    private final KernelPool pool;
    private final KernelRegistry registry;
    private final OutputBlobs blobs;
    private final ScheduledExecutorService flushScheduler = OutputRouter.newFlushScheduler();
    private final Supplier<Duration> keepAlive;

    public Kernels(KernelStarter starter, KernelPool pool, KernelRegistry registry, BlobStore blobs,
                   Supplier<Duration> keepAlive) {
        this.starter = starter;
        this.pool = pool;
        this.registry = registry;
        this.blobs = new OutputBlobs(blobs);
        this.keepAlive = keepAlive;
    }

    /** A kernel for a room: a pooled running one when there is one, else a fresh start (seconds). */
    StartedKernel obtain(EnvType type, Path workingDirectory, String notebookId)
            throws PoolEmptyException, KernelLaunchException {
        Optional<StartedKernel> running = pool == null ? Optional.empty() : pool.take(type, workingDirectory);
        if (running.isPresent()) {
            return running.get();
        }
        LOG.info("no running kernel ready; starting one for {}", notebookId);
        try {
            return starter.start(type, workingDirectory, notebookId);
        } catch (PoolEmptyException e) {
            // the environment may be in the kernel pool's start under way: take that kernel
            Optional<StartedKernel> pooled = pool == null ? Optional.empty()
                    : pool.awaitStarting(type, workingDirectory, KernelLauncher.DEFAULT_TIMEOUT);
            return pooled.orElseThrow(() -> e);
        }
    }

    /** Every room's outputs go through one blob store and one stream-flush thread. */
    OutputRouter newOutputRouter(RoomEvents room) {
        return new OutputRouter(room.owner(), blobs, room::documentChanged, room::announce, flushScheduler);
    }

    public OutputBlobs outputBlobs() {
        return blobs;
    }

    public Duration keepAlive() {
        return keepAlive.get();
    }

    public KernelRegistry registry() {
        return registry;
    }

    public Optional<KernelPool> pool() {
        return Optional.ofNullable(pool);
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.close();
        }
        flushScheduler.shutdown();
    }
}
