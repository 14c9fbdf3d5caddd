package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Objects;

/** PROTOCOL.md §3: the first frame of every connection picks its channel for good. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "channel")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Handshake.Pool.class, name = "pool"),
    @JsonSubTypes.Type(value = Handshake.SettingsSync.class, name = "settings_sync"),
    @JsonSubTypes.Type(value = Handshake.NotebookSync.class, name = "notebook_sync"),
    @JsonSubTypes.Type(value = Handshake.Blob.class, name = "blob"),
})
public sealed interface Handshake {
    /** Short-lived JSON request/response (pool requests). */
    record Pool() implements Handshake {
    }

    /** Long-lived Automerge sync of the settings document. */
    record SettingsSync() implements Handshake {
    }

    /** Long-lived Automerge sync of one notebook's room; any string is a valid id. */
    record NotebookSync(String notebookId) implements Handshake {
        public NotebookSync {
            Objects.requireNonNull(notebookId, "notebook_id is required");
        }
    }

    /** Blob store writes and the HTTP port. */
    record Blob() implements Handshake {
    }

    /** The channel name as it stands in the handshake JSON. */
    default String channelName() {
        if (this instanceof Pool) {
            return "pool";
        } else if (this instanceof SettingsSync) {
            return "settings_sync";
        } else if (this instanceof NotebookSync) {
            return "notebook_sync";
        }
        return "blob";
    }
}
