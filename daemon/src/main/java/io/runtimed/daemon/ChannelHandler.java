package io.runtimed.daemon;

import java.io.IOException;
import java.util.Optional;

/** Serves one channel of the protocol for one connection, after the handshake chose it. */
public interface ChannelHandler {
    /**
     * Serves frames until the client disconnects or the channel ends. A client's fault is thrown as
     * {@link io.runtimed.protocol.MalformedMessageException} or
     * {@link io.runtimed.protocol.FrameTooLargeException}; the router answers it and closes.
     */
    void serve(Connection connection) throws IOException;

    /** Serves with the handshake that chose this channel (the notebook channel needs its id). */
    default void serve(Connection connection, io.runtimed.protocol.Handshake handshake) throws IOException {
        serve(connection);
    }

    /** This channel's way of telling a client what it got wrong, or empty when it has none (sync channels). */
    Optional<byte[]> errorFrame(String message);
}
