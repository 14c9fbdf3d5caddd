package io.runtimed.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Every wait of the JS peer suites: poll a condition until a deadline, then fail with what was seen. */
public final class Deadline {
    private static final long POLL_MILLIS = 10;

    private Deadline() {
    }

    /**
     * Waits until {@code condition} holds; after {@code timeout} fails with
     * "{@code failure} within N s" and the {@code diagnosis} (computed only then).
     */
    public static void await(String failure, Duration timeout, BooleanSupplier condition, Supplier<String> diagnosis) {
        if (!poll(timeout, condition)) {
            throw new AssertionError(failure + " within " + timeout.toSeconds() + " s\n" + diagnosis.get());
        }
    }

    /** Polls {@code condition} until it holds (true) or {@code timeout} has passed (false). */
    public static boolean poll(Duration timeout, BooleanSupplier condition) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        return true;
    }
}
