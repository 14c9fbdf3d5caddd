package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
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
    @JsonSubTypes.Type(value = Handshake.PoolStateSubscribe.class, name = "pool_state_subscribe"),
})
public sealed interface Handshake {
    /** Short-lived JSON request/response (pool requests). */
    record Pool() implements Handshake {
    }

    /** Long-lived Automerge sync of the settings document. */
    record SettingsSync() implements Handshake {
    }

    /**
     * Long-lived Automerge sync of one notebook's room; any string is a valid id.
     *
     * <p>KERNELS.md §1.1: {@code protocol} is optional and written only when present; {@code null}
     * reads as absent and any other non-string fails the parse. Only the exact string {@code "v2"}
     * asks for typed frames; absent, {@code "v1"} or any other string means raw Automerge frames.
     */
    record NotebookSync(String notebookId, @JsonInclude(JsonInclude.Include.NON_NULL) String protocol)
            implements Handshake {
        /** The one {@code protocol} value that selects typed frames. */
        public static final String TYPED_FRAMES = "v2";

        public NotebookSync {
            Objects.requireNonNull(notebookId, "notebook_id is required");
        }

        /** A v1 handshake, as older clients send it: no {@code protocol} key. */
        public NotebookSync(String notebookId) {
            this(notebookId, null);
        }

        /** The handshake the reference client always sends: {@code "protocol":"v2"}. */
        public static NotebookSync typedFrames(String notebookId) {
            return new NotebookSync(notebookId, TYPED_FRAMES);
        }

        /** Whether the peer asked for typed frames (KERNELS.md §1.3) rather than raw Automerge frames. */
        public boolean wantsTypedFrames() {
            return TYPED_FRAMES.equals(protocol);
        }
    }

    /** Blob store writes and the HTTP port. */
    record Blob() implements Handshake {
    }

    /**
     * KERNELS.md §11.1: the daemon sends a {@link PoolState} frame at once and one per change of
     * either pool's error state; the client sends nothing.
     */
    record PoolStateSubscribe() implements Handshake {
    }

    /** The channel name as it stands in the handshake JSON. */
    default String channelName() {
        if (this instanceof Pool) {
            return "pool";
        } else if (this instanceof SettingsSync) {
            return "settings_sync";
        } else if (this instanceof NotebookSync) {
            return "notebook_sync";
        } else if (this instanceof PoolStateSubscribe) {
            return "pool_state_subscribe";
        }
        return "blob";
    }
}
