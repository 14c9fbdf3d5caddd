package io.runtimed.protocol;

import java.util.Objects;

/**
 * KERNELS.md §1.2: the daemon's first frame on a typed-frame {@code notebook_sync} connection,
 * {@code {"protocol":"v2"}}, sent as a plain frame (no type byte) before any sync message.
 */
public record ProtocolCapabilities(String protocol) {
    /** What this daemon offers; the only value a reference client takes as typed frames. */
    public static final ProtocolCapabilities V2 = new ProtocolCapabilities(Handshake.NotebookSync.TYPED_FRAMES);

    public ProtocolCapabilities {
        Objects.requireNonNull(protocol, "protocol is required");
    }

    /** Whether this names the typed-frame protocol. */
    public boolean offersTypedFrames() {
        return Handshake.NotebookSync.TYPED_FRAMES.equals(protocol);
    }
}
