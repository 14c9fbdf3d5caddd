package io.runtimed.protocol;

import java.util.Arrays;
import java.util.Objects;

/**
 * KERNELS.md §1.3: after the capabilities frame, every {@code notebook_sync} frame of a typed-frame
 * connection carries one type byte before its payload. The length prefix (1 + payload) and the
 * 100 MiB limit belong to the framing layer ({@link FrameChannel}); this class only builds and
 * splits the frame's payload.
 */
public final class NotebookFrames {
    /** The largest payload after the type byte: the data-frame limit less the type byte. */
    public static final int MAX_PAYLOAD = Frames.DATA_MAX - 1;

    private NotebookFrames() {
    }

    /** The type byte: what the rest of the frame holds. */
    public enum Type {
        /** A raw Automerge sync message, both directions. */
        AUTOMERGE_SYNC(0x00),
        /** A {@link NotebookRequest} as compact JSON, client to daemon. */
        REQUEST(0x01),
        /** A {@link NotebookResponse} as compact JSON, daemon to client. */
        RESPONSE(0x02),
        /** A {@link NotebookBroadcast} as compact JSON, daemon to client. */
        BROADCAST(0x03);

        private final byte code;

        Type(int code) {
            this.code = (byte) code;
        }

        /** The byte that opens a frame of this type. */
        public byte code() {
            return code;
        }

        /** The type a frame's first byte names; the reference's error text for any other byte. */
        public static Type of(byte code) throws MalformedMessageException {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            // connection.rs: format!("unknown notebook frame type: 0x{:02x}", value)
            throw new MalformedMessageException(String.format("unknown notebook frame type: 0x%02x", code & 0xff));
        }
    }

    /** One typed frame split into its type and payload; compares payloads by content. */
    public record Typed(Type type, byte[] payload) {
        public Typed {
            Objects.requireNonNull(type, "type is required");
            Objects.requireNonNull(payload, "payload is required");
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Typed other && type == other.type && Arrays.equals(payload, other.payload);
        }

        @Override
        public int hashCode() {
            return 31 * type.hashCode() + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "Typed[" + type + ", " + payload.length + " bytes]";
        }
    }

    /** A frame payload: the type byte, then {@code payload}. */
    public static byte[] encode(Type type, byte[] payload) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        if (payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("payload of " + payload.length
                    + " bytes does not fit a frame (at most " + MAX_PAYLOAD + " after the type byte)");
        }
        byte[] frame = new byte[1 + payload.length];
        frame[0] = type.code();
        System.arraycopy(payload, 0, frame, 1, payload.length);
        return frame;
    }

    /** A {@code 0x00} frame around an Automerge sync message. */
    public static byte[] sync(byte[] message) {
        return encode(Type.AUTOMERGE_SYNC, message);
    }

    /** A {@code 0x01} frame with the request's compact JSON. */
    public static byte[] request(NotebookRequest request) {
        return encode(Type.REQUEST, Json.compact(request));
    }

    /** A {@code 0x02} frame with the response's compact JSON. */
    public static byte[] response(NotebookResponse response) {
        return encode(Type.RESPONSE, Json.compact(response));
    }

    /** A {@code 0x03} frame with the broadcast's compact JSON. */
    public static byte[] broadcast(NotebookBroadcast broadcast) {
        return encode(Type.BROADCAST, Json.compact(broadcast));
    }

    /**
     * Splits a frame's payload. KERNELS.md §1.3: a frame of length 0 is "empty frame", an unknown
     * first byte "unknown notebook frame type: 0xNN"; both end the connection without a reply.
     */
    public static Typed decode(byte[] frame) throws MalformedMessageException {
        if (frame.length == 0) {
            throw new MalformedMessageException("empty frame");
        }
        return new Typed(Type.of(frame[0]), Arrays.copyOfRange(frame, 1, frame.length));
    }

    /** The daemon's plain first frame on a typed-frame connection: {@code {"protocol":"v2"}}. */
    public static byte[] capabilities() {
        return Json.compact(ProtocolCapabilities.V2);
    }

    /**
     * KERNELS.md §1.2: how a client tells the daemon's first frame apart. It is the capabilities frame
     * when it parses as {@link ProtocolCapabilities} naming {@code "v2"}; anything else (an Automerge
     * sync message starts with 0x42 or 0x43 and never parses) is a v1 daemon's first sync message.
     */
    public static boolean isCapabilities(byte[] firstFrame) {
        try {
            return Json.parse(firstFrame, ProtocolCapabilities.class).offersTypedFrames();
        } catch (MalformedMessageException e) {
            return false;
        }
    }
}
