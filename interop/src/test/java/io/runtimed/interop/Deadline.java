package io.runtimed.interop;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** Every wait of this suite: poll a condition until a deadline, then fail with what was seen. */
final class Deadline {
    private static final Duration POLL = Duration.ofMillis(10);

    private Deadline() {
    }

    /**
     * Waits until {@code condition} holds; after {@code timeout} fails with
     * "{@code failure} within N s" and the {@code diagnosis} (computed only then).
     */
    static void await(String failure, Duration timeout, BooleanSupplier condition, Supplier<String> diagnosis) {
        try {
            Awaitility.await(failure)
                    .atMost(timeout)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(POLL)
                    .until(condition::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(failure + " within " + timeout.toSeconds() + " s\n" + diagnosis.get());
        }
    }
}
