package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * KERNELS.md §11.1: the one frame the {@code pool_state_subscribe} channel sends, at once and after
 * every change of either pool's error state:
 * {@code {"event":"pool_state","uv_error":null,"conda_error":null}} (each error a {@link PoolError}
 * when that pool is failing; {@code null} is written, never omitted).
 */
@JsonPropertyOrder({"event", "uv_error", "conda_error"})
public record PoolState(PoolError uvError, PoolError condaError) {
    public static final String EVENT = "pool_state";

    /** The frame's tag; reading ignores it, as every other extra key. */
    @JsonProperty("event")
    public String event() {
        return EVENT;
    }

    /** Both pools healthy. */
    public static PoolState healthy() {
        return new PoolState(null, null);
    }
}
