package io.runtimed.protocol;

import java.io.IOException;

/** A frame that is not a valid message for its channel: bad JSON, unknown tag, missing or mistyped field. */
public final class MalformedMessageException extends IOException {
    public MalformedMessageException(String message) {
        super(message);
    }
}
