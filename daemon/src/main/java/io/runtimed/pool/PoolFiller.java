package io.runtimed.pool;

import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PoolError;
import io.runtimed.protocol.PooledEnv;
import io.runtimed.tools.StepFailedException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one pool at its target: when it is short, it counts the missing environments as warming
 * and builds them on the shared build threads. It is woken by events (start, take, flush, a build
 * ending, a retry timer), never by polling. After a failure it waits with exponential backoff
 * before trying again; a pool without a backend stays empty and says why.
 */
final class PoolFiller {
    private static final Logger LOG = LoggerFactory.getLogger(PoolFiller.class);

    private final PoolInventory pool;
    private final EnvBuilder builder;
    private final PoolSettings.Source settings;
    private final ExecutorService builds;
    private final ScheduledExecutorService timer;
    private final Backoff backoff;
    private final Clock clock;
    private final AtomicInteger buildNumbers = new AtomicInteger();

    private final Runnable stateChanged;

    private volatile EnvBackend backend;
    /** Why the pool is failing (null while healthy); guarded by this. */
    private Failure failure;
    private int generation;
    private long retryAtNanos = Long.MIN_VALUE;
    private boolean closed;

    /** The last failure's text and the package it names (KERNELS.md §11.2), if any. */
    private record Failure(String message, String failedPackage) {
    }

    /** {@code stateChanged} runs (outside any lock of ours) after every change of this pool's error state. */
    PoolFiller(PoolInventory pool, EnvBuilder builder, PoolSettings.Source settings, ExecutorService builds,
               ScheduledExecutorService timer, Backoff backoff, Clock clock, Runnable stateChanged) {
        this.stateChanged = stateChanged;
        this.pool = pool;
        this.builder = builder;
        this.settings = settings;
        this.builds = builds;
        this.timer = timer;
        this.backoff = backoff;
        this.clock = clock;
    }

    EnvType type() {
        return pool.type();
    }

    /**
     * Detects the backend off the start path, then fills the pool. A pool whose target is 0 is
     * never built, so it detects nothing and reports nothing (its status stays the reference's).
     */
    void start(Callable<EnvBackend> detect) {
        if (pool.target() == 0) {
            return;
        }
        timer.execute(() -> {
            try {
                EnvBackend found = detect.call();
                backend = found;
                found.unavailableReason().ifPresentOrElse(
                        why -> {
                            failed(new Failure(why, null));
                            LOG.warn("{} pool disabled: {}", type(), why);
                        },
                        () -> LOG.info("{} environments are built with {}", type(), found.describe()));
            } catch (Exception e) {
                backend = new UnavailableBackend(type(), "backend detection failed: " + e);
                failed(new Failure(e.toString(), null));
            }
            refill();
        });
    }

    Optional<String> backendDescription() {
        EnvBackend b = backend;
        return b == null ? Optional.empty() : Optional.of(b.describe());
    }

    /**
     * KERNELS.md §11.1: the pool's error as of now: the last failure, the consecutive failures, and
     * the whole seconds (rounded down, as Rust's {@code Duration::as_secs}) until the next attempt;
     * 0 when it is due, and for a pool without a tool, which never retries and never counted a build.
     */
    synchronized Optional<PoolError> lastError() {
        if (failure == null) {
            return Optional.empty();
        }
        long left = retryAtNanos == Long.MIN_VALUE ? 0 : Math.max(0, retryAtNanos - System.nanoTime());
        return Optional.of(new PoolError(failure.message(), failure.failedPackage(), backoff.failures(),
                TimeUnit.NANOSECONDS.toSeconds(left)));
    }

    private void failed(Failure f) {
        synchronized (this) {
            failure = f;
        }
        stateChanged.run();
    }

    /** Starts as many builds as the pool is short, unless waiting out a backoff. */
    synchronized void refill() {
        EnvBackend b = backend;
        if (closed || b == null || b.unavailableReason().isPresent() || System.nanoTime() < retryAtNanos) {
            return;
        }
        int missing = pool.deficit();
        if (missing == 0) {
            return;
        }
        pool.markWarming(missing);
        int gen = generation;
        for (int i = 0; i < missing; i++) {
            try {
                builds.execute(() -> buildOne(b, gen));
            } catch (RejectedExecutionException e) {
                pool.warmingEnded(); // shutting down
            }
        }
    }

    /**
     * Settings may have changed: discard builds in flight, forget the backoff and the build error
     * (KERNELS.md §11.2: a settings change resets the pools and tells subscribers), refill. A pool
     * without a tool keeps saying why.
     */
    void flushed() {
        boolean cleared = false;
        synchronized (this) {
            generation++;
            retryAtNanos = Long.MIN_VALUE;
            backoff.succeeded();
            EnvBackend b = backend;
            if (failure != null && (b == null || b.unavailableReason().isEmpty())) {
                failure = null;
                cleared = true;
            }
        }
        if (cleared) {
            stateChanged.run();
        }
        refill();
    }

    synchronized void close() {
        closed = true;
    }

    private void buildOne(EnvBackend b, int gen) {
        Thread.currentThread().setName("pool-warmer-" + type() + "-" + buildNumbers.incrementAndGet());
        try {
            PooledEnv env = builder.build(b, settings.current());
            boolean kept;
            boolean recovered = false;
            synchronized (this) {
                kept = !closed && gen == generation;
                if (kept) {
                    pool.add(env, clock.instant());
                    backoff.succeeded();
                    recovered = failure != null;
                    failure = null;
                }
            }
            if (recovered) {
                stateChanged.run();
            }
            if (!kept) {
                LOG.info("discarding {}: built before a flush or during shutdown", env.venvPath());
                deleteQuietly(Path.of(env.venvPath()));
            }
        } catch (StepFailedException e) {
            Duration delay = backoff.failed();
            LOG.warn("{} environment build failed: {} (retrying in {} ms)", type(), e.getMessage(), delay.toMillis());
            String pkg = FailedPackage.in(e.output().isEmpty() ? e.getMessage() : e.output()).orElse(null);
            synchronized (this) {
                retryAtNanos = System.nanoTime() + delay.toNanos();
            }
            failed(new Failure(e.getMessage(), pkg));
            try {
                timer.schedule(this::refill, delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException ignored) {
                // shutting down
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // shutdown; the builder removed the partial directory
            return;
        } catch (RuntimeException e) {
            LOG.error("{} environment build crashed", type(), e);
            failed(new Failure(e.toString(), null));
        } finally {
            pool.warmingEnded();
            Thread.currentThread().setName("pool-warmer-idle");
        }
        refill();
    }

    private static void deleteQuietly(Path dir) {
        try {
            EnvDirectories.deleteTree(dir);
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", dir, e.getMessage());
        }
    }
}
