package io.runtimed.server;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The daemon's run state: the shutdown request (from the pool channel or a signal) and the count of
 * requests in flight, so that shutdown can let them finish before the process goes.
 */
public final class DaemonLifecycle {
    private final CountDownLatch shutdownRequested = new CountDownLatch(1);
    private final AtomicReference<String> reason = new AtomicReference<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private int inFlight;

    /** Asks the daemon to stop; the first reason wins. Safe from any thread, any number of times. */
    public void requestShutdown(String why) {
        if (reason.compareAndSet(null, why)) {
            shutdownRequested.countDown();
        }
    }

    public boolean isShuttingDown() {
        return reason.get() != null;
    }

    public String shutdownReason() {
        return reason.get();
    }

    public void awaitShutdownRequest() throws InterruptedException {
        shutdownRequested.await();
    }

    public boolean awaitShutdownRequest(Duration timeout) throws InterruptedException {
        return shutdownRequested.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Marks one request as in flight until the returned handle is closed. */
    public InFlight beginRequest() {
        lock.lock();
        try {
            inFlight++;
        } finally {
            lock.unlock();
        }
        java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (ended.compareAndSet(false, true)) {
                endRequest();
            }
        };
    }

    private void endRequest() {
        lock.lock();
        try {
            if (--inFlight == 0) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Waits until no request is in flight; false if the timeout passed first. */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long left = timeout.toNanos();
        lock.lock();
        try {
            while (inFlight > 0) {
                if (left <= 0) {
                    return false;
                }
                left = idle.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** A request in flight; closing it never throws. */
    @FunctionalInterface
    public interface InFlight extends AutoCloseable {
        @Override
        void close();
    }
}
