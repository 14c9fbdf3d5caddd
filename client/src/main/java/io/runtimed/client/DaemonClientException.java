package io.runtimed.client;

import java.io.IOException;

/**
 * A failed exchange with the daemon, worded as the reference client words it (CLI.md §4) so that
 * the CLI can print it as it is.
 */
public final class DaemonClientException extends IOException {
    /** What went wrong, for callers that must react differently (e.g. start a daemon when none listens). */
    public enum Kind {
        /** Nothing listens at the socket (missing file, refused) or the connect timed out. */
        NOT_REACHABLE,
        /** The connection broke or the daemon answered something unexpected. */
        PROTOCOL,
        /** The daemon answered with an error message. */
        DAEMON_ERROR,
        /** A request got no answer in time (KERNELS.md §1.5: the reference's {@code Timeout}). */
        TIMEOUT,
        /** The daemon does not offer what was asked, e.g. kernel requests on a v1 connection. */
        UNSUPPORTED
    }

    private final Kind kind;

    public DaemonClientException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public DaemonClientException(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() {
        return kind;
    }
}
