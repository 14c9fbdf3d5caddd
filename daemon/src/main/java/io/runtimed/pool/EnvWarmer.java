package io.runtimed.pool;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PoolError;
import io.runtimed.tools.BackendDetector;
import io.runtimed.tools.ProcessRunner;
import java.nio.file.Path;
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
import java.util.function.Supplier;

/**
 * The warming machinery of both pools: one {@link PoolFiller} per pool sharing a fixed number of
 * build threads (builds are CPU- and disk-heavy; two at a time suit a 2-core machine) and one timer
 * thread for backend detection and retries.
 */
public final class EnvWarmer implements PoolEvents, AutoCloseable {
    private final ExecutorService builds;
    private final ScheduledExecutorService timer;
    private final Map<EnvType, PoolFiller> warmers = new EnumMap<>(EnvType.class);
    private final PoolStateChanges stateChanges = new PoolStateChanges();

    /** How a pool finds its backend (run once, off the start path). */
    public interface Detection {
        EnvBackend detect(EnvType type) throws Exception;
    }

    public EnvWarmer(EnvPools pools, EnvBuilder builder, PoolSettings.Source settings, int buildThreads,
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
            warmers.put(type, new PoolFiller(pools.pool(type), builder, settings, builds, timer,
                    new Backoff(firstRetry, maxRetry), clock, stateChanges::changed));
        }
    }

    /**
     * POOL.md §5-§6, as the daemon runs it: backends are found in the user's environment (PATH, HOME
     * and the usual install directories), the command line's values winning, off the start path;
     * each build reads the live settings document ({@code settingsTree}) for the rest.
     */
    public static EnvWarmer startForUser(EnvPools pools, PoolOptions options, Supplier<JsonNode> settingsTree) {
        ProcessRunner runner = new ProcessRunner(Map.of("PIP_DISABLE_PIP_VERSION_CHECK", "1", "PIP_NO_INPUT", "1"));
        EnvWarmer warmer = new EnvWarmer(pools, new EnvBuilder(pools.directories(), runner),
                new SyncedPoolSettings(settingsTree, options.asOverrides(), options.systemSitePackages()),
                options.buildThreads(), options.firstRetry(), options.maxRetry(), Clock.systemUTC());
        pools.setEvents(warmer);
        String home = System.getenv().getOrDefault("HOME", System.getProperty("user.home"));
        BackendDetector detector = new BackendDetector(System.getenv(), Path.of(home), runner);
        warmer.start(type -> EnvBackend.of(type == EnvType.UV
                ? detector.uvPool(options.uv(), options.python())
                : detector.condaPool(options.conda())));
        return warmer;
    }

    /** Detects each pool's backend in the background and starts filling. */
    public void start(Detection detection) {
        for (PoolFiller w : warmers.values()) {
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
        warmers.values().forEach(PoolFiller::flushed);
    }

    @Override
    public Optional<String> backend(EnvType type) {
        return warmers.get(type).backendDescription();
    }

    @Override
    public Optional<PoolError> lastError(EnvType type) {
        return warmers.get(type).lastError();
    }

    /** KERNELS.md §11.1: bumped on every change of either pool's error state; closed with the warmer. */
    public PoolStateChanges stateChanges() {
        return stateChanges;
    }

    /** Stops building: running builds are interrupted, their tools killed and their directories removed. */
    @Override
    public void close() {
        warmers.values().forEach(PoolFiller::close);
        stateChanges.close();
        timer.shutdownNow();
        builds.shutdownNow();
        try {
            builds.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
