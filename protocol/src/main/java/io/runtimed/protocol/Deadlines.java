package io.runtimed.protocol;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Timeouts for blocking socket I/O. Unix-domain {@code SocketChannel}s have no SO_TIMEOUT, so a
 * deadline is a scheduled close of the channel: the blocked read or write then fails with an
 * AsynchronousCloseException, which the caller reports as a timeout. One daemon thread serves every
 * deadline in the process.
 */
public final class Deadlines {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "io-deadlines");
        t.setDaemon(true);
        return t;
    });

    private Deadlines() {
    }

    /** An armed deadline; {@link #close()} disarms it. */
    public static final class Armed implements AutoCloseable {
        private final ScheduledFuture<?> future;
        private final AtomicBoolean fired;

        private Armed(ScheduledFuture<?> future, AtomicBoolean fired) {
            this.future = future;
            this.fired = fired;
        }

        /** True if the deadline passed and the resource was closed. */
        public boolean fired() {
            return fired.get();
        }

        @Override
        public void close() {
            if (future != null) {
                future.cancel(false);
            }
        }
    }

    /** Closes {@code resource} when {@code timeout} passes before the returned handle is closed. A null or zero timeout never fires. */
    public static Armed arm(Closeable resource, Duration timeout) {
        AtomicBoolean fired = new AtomicBoolean();
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            return new Armed(null, fired);
        }
        ScheduledFuture<?> f = TIMER.schedule(() -> {
            fired.set(true);
            try {
                resource.close();
            } catch (IOException ignored) {
                // closing is all a deadline can do; the blocked caller reports the timeout
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        return new Armed(f, fired);
    }
}
