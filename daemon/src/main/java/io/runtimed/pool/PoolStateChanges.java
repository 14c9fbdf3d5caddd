package io.runtimed.pool;

import java.util.function.BooleanSupplier;

/**
 * KERNELS.md §11.1: a counter of changes to either pool's error state, for {@code pool_state_subscribe}.
 * The pools only bump it (never blocking on a subscriber); each subscriber waits for a count past
 * the one it last sent and then sends the state as it is at that moment, so a slow subscriber skips
 * to the latest state instead of queueing every change.
 */
public final class PoolStateChanges {
    private long version;
    private boolean closed;

    /** Either pool's error state changed. */
    public synchronized void changed() {
        version++;
        notifyAll();
    }

    public synchronized long version() {
        return version;
    }

    /**
     * Waits until the count passes {@code seen}, {@code stop} says so (checked after each
     * {@link #wake()}), or the daemon shuts down. Returns the new count, or -1 to stop.
     */
    public synchronized long awaitAfter(long seen, BooleanSupplier stop) throws InterruptedException {
        while (version == seen && !closed && !stop.getAsBoolean()) {
            wait();
        }
        return closed || stop.getAsBoolean() ? -1 : version;
    }

    /** Lets waiters re-check their stop condition (a subscriber's connection closed). */
    public synchronized void wake() {
        notifyAll();
    }

    /** Daemon shutdown: every subscription ends. */
    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}
