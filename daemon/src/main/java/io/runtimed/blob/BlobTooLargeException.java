package io.runtimed.blob;

import java.io.IOException;

/** BLOBS.md §4 step 1: the reference's invalid-input error, worded exactly as it words it. */
public final class BlobTooLargeException extends IOException {
    private final long length;

    public BlobTooLargeException(long length) {
        super(message(length));
        this.length = length;
    }

    /** {@code blob too large: <n> bytes (max 104857600)}. */
    public static String message(long length) {
        return "blob too large: " + length + " bytes (max " + BlobStore.MAX_BLOB_BYTES + ")";
    }

    public long length() {
        return length;
    }
}
