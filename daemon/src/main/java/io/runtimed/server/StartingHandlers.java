package io.runtimed.server;

import io.runtimed.protocol.Handshake;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The channels' handlers while the daemon starts (issue 16: the socket listens before the rest is
 * assembled). The pool channel's handler is there from the start, since a {@code ping} needs
 * nothing else; a connection that asks for any other channel first waits until
 * {@link #ready} hands over all of them. If the start fails, those connections end with it.
 */
public final class StartingHandlers implements Function<Handshake, ChannelHandler> {
    private final ChannelHandler pool;
    private final CompletableFuture<ChannelHandlers> all = new CompletableFuture<>();

    public StartingHandlers(ChannelHandler pool) {
        this.pool = pool;
    }

    /** Every channel's handler, from now on; connections waiting for one go on. */
    public void ready(ChannelHandlers handlers) {
        all.complete(handlers);
    }

    /** The start failed: connections waiting for a handler end (as an internal error). */
    public void failed(Throwable cause) {
        all.completeExceptionally(cause);
    }

    @Override
    public ChannelHandler apply(Handshake handshake) {
        if (handshake instanceof Handshake.Pool) {
            return pool;
        }
        return all.join().forHandshake(handshake);
    }
}
