package io.runtimed.pool;

import java.time.Duration;

/** Exponential retry delays after failed builds: first, 2×, 4×, … up to a cap; reset by a success. */
public final class Backoff {
    private final Duration first;
    private final Duration cap;
    private int failures;

    public Backoff(Duration first, Duration cap) {
        this.first = first;
        this.cap = cap;
    }

    /** Records a failure and returns how long to wait before the next attempt. */
    public synchronized Duration failed() {
        failures++;
        int shift = Math.min(failures - 1, 30);
        long millis = first.toMillis() << shift;
        return millis <= 0 || millis > cap.toMillis() ? cap : Duration.ofMillis(millis);
    }

    public synchronized void succeeded() {
        failures = 0;
    }

    public synchronized int failures() {
        return failures;
    }
}
