package io.runtimed.server;

import io.runtimed.protocol.FrameChannel;

/** One accepted client: its number (for logs and thread names) and its frame channel. */
public record Connection(long id, FrameChannel frames) {
    @Override
    public String toString() {
        return "connection " + id;
    }
}
