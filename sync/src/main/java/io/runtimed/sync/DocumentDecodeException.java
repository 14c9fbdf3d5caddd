package io.runtimed.sync;

import java.io.IOException;

/** Bytes that are not an Automerge document (a corrupt or truncated file). */
public final class DocumentDecodeException extends IOException {
    public DocumentDecodeException(String message) {
        super(message);
    }
}
