package io.runtimed.protocol;

import static io.runtimed.protocol.WireValues.required;

import com.fasterxml.jackson.annotation.JsonProperty;

/** KERNELS.md §2: one {@code history_result} entry, {@code {"session":3,"line":7,"source":"df.head()"}}. */
public record HistoryEntry(@JsonProperty(required = true) int session, @JsonProperty(required = true) int line,
                           String source) {
    public HistoryEntry {
        required(source, "source");
    }
}
