package io.runtimed.protocol;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Timeouts for blocking socket I/O. Unix-domain {@code SocketChannel}s have no SO_TIMEOUT, so a
 * deadline is a scheduled close of the channel: the blocked read or write then fails with an
 * AsynchronousCloseException, which the caller reports as a timeout. One daemon thread serves every
 * deadline in the process.
 *
 * <p>Nearly every deadline is disarmed long before it passes (one per frame written), so arming
 * and disarming only add to and remove from a set: the thread is woken only by a deadline earlier
 * than the one it sleeps until, and otherwise wakes when that one is due, fires what has passed and
 * sleeps until the earliest left. (A scheduled executor woke its thread for every cancelled task
 * when its time came: once per frame written.)
 */
public final class Deadlines {
    private static final ReentrantLock LOCK = new ReentrantLock();
    private static final Condition EARLIER = LOCK.newCondition();
    // guarded by LOCK
    private static final Set<Armed> ARMED = new HashSet<>();
    /** When the thread wakes next, if nothing earlier is armed; null: not before something is armed. */
    private static Long wakeAt;
    private static Thread thread;

    private Deadlines() {
    }

    /** An armed deadline; {@link #close()} disarms it. */
    public static final class Armed implements AutoCloseable {
        private final Closeable resource;
        private final long deadline;
        private volatile boolean fired;

        private Armed(Closeable resource, long deadline) {
            this.resource = resource;
            this.deadline = deadline;
        }

        /** True if the deadline passed and the resource was closed. */
        public boolean fired() {
            return fired;
        }

        @Override
        public void close() {
            if (resource == null) {
                return;
            }
            LOCK.lock();
            try {
                ARMED.remove(this);
            } finally {
                LOCK.unlock();
            }
        }
    }

    /** Closes {@code resource} when {@code timeout} passes before the returned handle is closed. A null or zero timeout never fires. */
    public static Armed arm(Closeable resource, Duration timeout) {
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            return new Armed(null, 0);
        }
        Armed armed = new Armed(resource, System.nanoTime() + timeout.toNanos());
        LOCK.lock();
        try {
            ARMED.add(armed);
            if (thread == null) {
                thread = new Thread(Deadlines::run, "io-deadlines");
                thread.setDaemon(true);
                thread.start();
            }
            if (wakeAt == null || armed.deadline - wakeAt < 0) {
                wakeAt = armed.deadline;
                EARLIER.signal();
            }
        } finally {
            LOCK.unlock();
        }
        return armed;
    }

    private static void run() {
        while (true) {
            List<Armed> due = new ArrayList<>();
            LOCK.lock();
            try {
                while (true) {
                    long now = System.nanoTime();
                    Long next = null;
                    for (var it = ARMED.iterator(); it.hasNext(); ) {
                        Armed a = it.next();
                        if (a.deadline - now <= 0) {
                            it.remove();
                            due.add(a);
                        } else if (next == null || a.deadline - next < 0) {
                            next = a.deadline;
                        }
                    }
                    wakeAt = next;
                    if (!due.isEmpty()) {
                        break;
                    }
                    if (next == null) {
                        EARLIER.awaitUninterruptibly();
                    } else {
                        try {
                            EARLIER.awaitNanos(next - now);
                        } catch (InterruptedException e) {
                            // the thread is ours and never interrupted; look again
                        }
                    }
                }
            } finally {
                LOCK.unlock();
            }
            for (Armed a : due) {
                a.fired = true;
                try {
                    a.resource.close();
                } catch (IOException | RuntimeException ignored) {
                    // closing is all a deadline can do; the blocked caller reports the timeout
                }
            }
        }
    }
}
