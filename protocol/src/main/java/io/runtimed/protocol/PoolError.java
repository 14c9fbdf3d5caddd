package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * KERNELS.md §11.1: why a pool is failing, in {@code stats} and {@code pool_state}:
 * {@code {"message":…,"failed_package":"numpyy","consecutive_failures":2,"retry_in_secs":41}}.
 * {@code failed_package} is omitted when the failure names none (§11.2's patterns);
 * {@code retry_in_secs} is the whole seconds left, when the answer was made, until the next attempt
 * (0 when it is due, or when nothing will retry: a pool without a tool).
 */
@JsonPropertyOrder({"message", "failed_package", "consecutive_failures", "retry_in_secs"})
public record PoolError(String message,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String failedPackage,
                        @JsonProperty(required = true) int consecutiveFailures,
                        @JsonProperty(required = true) long retryInSecs) {
    public PoolError {
        Objects.requireNonNull(message, "message is required");
    }
}
