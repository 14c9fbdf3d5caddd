package io.runtimed.protocol;

import java.io.InterruptedIOException;
import java.time.Duration;

/** The peer did not complete a read or write in time; the channel has been closed. */
public final class FrameTimeoutException extends InterruptedIOException {
    public FrameTimeoutException(String what, Duration timeout) {
        super(what + " timed out after " + timeout.toMillis() + " ms");
    }
}
