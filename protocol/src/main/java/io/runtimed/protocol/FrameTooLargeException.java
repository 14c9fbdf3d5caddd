package io.runtimed.protocol;

import java.io.IOException;

/** A frame header announced more bytes than the limit for that frame; the payload was not read. */
public final class FrameTooLargeException extends IOException {
    private final long length;
    private final int limit;

    public FrameTooLargeException(long length, int limit) {
        super("frame of " + length + " bytes exceeds the limit of " + limit + " bytes");
        this.length = length;
        this.limit = limit;
    }

    public long length() {
        return length;
    }

    public int limit() {
        return limit;
    }
}
