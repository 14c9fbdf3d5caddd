package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * PROTOCOL.md §4.3: the four counters of a status answer, in wire order. The daemon adds which
 * backend builds each pool and its last build error as extra fields, which reference clients ignore
 * (they are omitted when absent, so the four-field form stays exact).
 */
@JsonPropertyOrder({"uv_available", "uv_warming", "conda_available", "conda_warming",
    "uv_backend", "conda_backend", "uv_error", "conda_error"})
public record PoolStats(int uvAvailable, int uvWarming, int condaAvailable, int condaWarming,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String uvBackend,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String condaBackend,
                        @JsonInclude(JsonInclude.Include.NON_NULL) PoolError uvError,
                        @JsonInclude(JsonInclude.Include.NON_NULL) PoolError condaError) {

    /** The reference's four counters alone. */
    public PoolStats(int uvAvailable, int uvWarming, int condaAvailable, int condaWarming) {
        this(uvAvailable, uvWarming, condaAvailable, condaWarming, null, null, null, null);
    }
}
