package io.runtimed.server;

import io.runtimed.protocol.Handshake;
import java.io.IOException;
import java.util.Optional;

/** Serves one channel of the protocol for one connection, after the handshake chose it. */
public interface ChannelHandler {
    /**
     * Serves frames until the client disconnects or the channel ends. A client's fault is thrown as
     * {@link io.runtimed.protocol.MalformedMessageException} or
     * {@link io.runtimed.protocol.FrameTooLargeException}; the router answers it and closes.
     */
    void serve(Connection connection, Handshake handshake) throws IOException;

    /**
     * This channel's way of telling a client what it got wrong; empty (the default) for the sync
     * channels, whose peers only understand sync messages.
     */
    default Optional<byte[]> errorFrame(String message) {
        return Optional.empty();
    }
}
