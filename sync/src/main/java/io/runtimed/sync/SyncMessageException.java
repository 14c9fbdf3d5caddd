package io.runtimed.sync;

import java.io.IOException;

/**
 * A peer sent a frame that Automerge cannot decode or apply as a sync message. It is the peer's
 * fault: the channel handler turns it into the router's "bad request", which is one log line and a
 * dropped connection (PROTOCOL.md §6.1 step 3), while the other peers keep syncing.
 */
public final class SyncMessageException extends IOException {
    public SyncMessageException(String detail) {
        super("undecodable sync message: " + detail);
    }
}
