package io.runtimed.pool;

import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PooledEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * POOL.md §1: the bookkeeping of one pool: a FIFO of ready environments with their creation time,
 * the number being built, and the target size. Every method holds the pool's monitor, so a
 * {@link #take} hands each environment to exactly one caller.
 */
public final class PoolInventory {
    private record Entry(PooledEnv env, Instant createdAt) {
    }

    private final EnvType type;
    private final int target;
    private final Duration maxAge;
    private final Clock clock;
    private final Deque<Entry> available = new ArrayDeque<>();
    private int warming;

    private final List<Runnable> whenAdded = new CopyOnWriteArrayList<>();

    public PoolInventory(EnvType type, int target, Duration maxAge, Clock clock) {
        if (target < 0) {
            throw new IllegalArgumentException("pool size must not be negative: " + target);
        }
        this.type = type;
        this.target = target;
        this.maxAge = maxAge;
        this.clock = clock;
    }

    public EnvType type() {
        return type;
    }

    public int target() {
        return target;
    }

    /** Adds a ready environment created at {@code createdAt} (its age counts from then, across restarts). */
    public synchronized void add(PooledEnv env, Instant createdAt) {
        available.addLast(new Entry(env, createdAt));
        whenAdded.forEach(Runnable::run);
    }

    /**
     * {@code listener} runs after every environment that joins the pool (the kernel pool waits for
     * one this way); it runs under the pool's monitor, so it must only signal, never block.
     */
    public void onAdded(Runnable listener) {
        whenAdded.add(listener);
    }

    /** True while fewer than {@code target} environments are available. */
    public synchronized boolean hasRoom() {
        return available.size() < target;
    }

    /**
     * The oldest environment that is younger than the maximum age and still on disk, removed from
     * the pool. Entries that are too old are passed to {@code onStale}; vanished ones are dropped.
     */
    public synchronized Optional<PooledEnv> take(Consumer<PooledEnv> onStale) {
        Instant now = clock.instant();
        while (!available.isEmpty()) {
            Entry e = available.pollFirst();
            if (Duration.between(e.createdAt(), now).compareTo(maxAge) >= 0) {
                onStale.accept(e.env());
            } else if (Files.exists(Path.of(e.env().venvPath())) && Files.exists(Path.of(e.env().pythonPath()))) {
                return Optional.of(e.env());
            }
        }
        return Optional.empty();
    }

    /** Removes and returns every available environment. */
    public synchronized List<PooledEnv> drain() {
        List<PooledEnv> all = new ArrayList<>(available.size());
        for (Entry e : available) {
            all.add(e.env());
        }
        available.clear();
        return all;
    }

    /** POOL.md §1: how many more environments the pool needs, counting those being built. */
    public synchronized int deficit() {
        return Math.max(0, target - (available.size() + warming));
    }

    public synchronized void markWarming(int n) {
        warming += n;
    }

    /** One build ended (success or failure); never goes below zero. */
    public synchronized void warmingEnded() {
        warming = Math.max(0, warming - 1);
    }

    public synchronized int available() {
        return available.size();
    }

    public synchronized int warming() {
        return warming;
    }
}
