package io.runtimed.protocol;

import static io.runtimed.protocol.WireValues.listOrEmpty;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * KERNELS.md §3, §10.1: how the notebook's dependencies differ from the running kernel's launch.
 * Every field is always written; every field defaults when missing ({@code []}, {@code false}).
 */
public record EnvSyncDiff(List<String> added, List<String> removed, boolean channelsChanged, boolean denoChanged) {
    public EnvSyncDiff {
        added = listOrEmpty(added, "added");
        removed = listOrEmpty(removed, "removed");
    }

    /** serde's {@code #[serde(default)]} on every field: a missing flag is {@code false}. */
    @JsonCreator
    static EnvSyncDiff fromWire(@JsonProperty("added") List<String> added,
                                @JsonProperty("removed") List<String> removed,
                                @JsonProperty("channels_changed") Boolean channelsChanged,
                                @JsonProperty("deno_changed") Boolean denoChanged) {
        return new EnvSyncDiff(added, removed, Boolean.TRUE.equals(channelsChanged), Boolean.TRUE.equals(denoChanged));
    }
}
