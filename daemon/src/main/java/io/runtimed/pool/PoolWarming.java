package io.runtimed.pool;

import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PoolError;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The warming machinery of both pools: one {@link PoolWarmer} per pool sharing a fixed number of
 * build threads (builds are CPU- and disk-heavy; two at a time suit a 2-core machine) and one timer
 * thread for backend detection and retries.
 */
public final class PoolWarming implements Refiller, AutoCloseable {
    private final ExecutorService builds;
    private final ScheduledExecutorService timer;
    private final Map<EnvType, PoolWarmer> warmers = new EnumMap<>(EnvType.class);

    /** How a pool finds its backend (run once, off the start path). */
    public interface Detection {
        EnvBackend detect(EnvType type) throws Exception;
    }

    public PoolWarming(EnvPools pools, EnvBuilder builder, PoolSettings.Source settings, int buildThreads,
                       Duration firstRetry, Duration maxRetry, Clock clock) {
        AtomicInteger n = new AtomicInteger();
        this.builds = Executors.newFixedThreadPool(Math.max(1, buildThreads), r -> {
            Thread t = new Thread(r, "pool-warmer-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pool-timer");
            t.setDaemon(true);
            return t;
        });
        for (EnvType type : EnvType.values()) {
            warmers.put(type, new PoolWarmer(pools.pool(type), builder, settings, builds, timer,
                    new Backoff(firstRetry, maxRetry), clock));
        }
    }

    /** Detects each pool's backend in the background and starts filling. */
    public void start(Detection detection) {
        for (PoolWarmer w : warmers.values()) {
            Callable<EnvBackend> detect = () -> detection.detect(w.type());
            w.start(detect);
        }
    }

    @Override
    public void refill(EnvType type) {
        warmers.get(type).refill();
    }

    @Override
    public void flushed() {
        warmers.values().forEach(PoolWarmer::flushed);
    }

    @Override
    public Optional<String> backend(EnvType type) {
        return warmers.get(type).backendDescription();
    }

    @Override
    public Optional<PoolError> lastError(EnvType type) {
        return warmers.get(type).lastError();
    }

    /** Stops building: running builds are interrupted, their tools killed and their directories removed. */
    @Override
    public void close() {
        warmers.values().forEach(PoolWarmer::close);
        timer.shutdownNow();
        builds.shutdownNow();
        try {
            builds.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
