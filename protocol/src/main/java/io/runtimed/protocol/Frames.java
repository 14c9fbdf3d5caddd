package io.runtimed.protocol;

/** PROTOCOL.md §2: every message is a big-endian u32 length followed by that many payload bytes. */
public final class Frames {
    /** The handshake frame's limit (64 KiB); exactly this many bytes is still accepted. */
    public static final int CONTROL_MAX = 64 * 1024;
    /** Every frame after the handshake: pool requests, blob data, sync messages (100 MiB). */
    public static final int DATA_MAX = 100 * 1024 * 1024;
    /** Length of the frame header. */
    public static final int HEADER_BYTES = 4;

    private Frames() {
    }
}
