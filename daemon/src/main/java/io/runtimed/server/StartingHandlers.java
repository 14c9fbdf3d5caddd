package io.runtimed.server;

import io.runtimed.protocol.Handshake;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The channels' handlers while the daemon starts (issue 16: the socket listens before the rest is
 * assembled). The pool channel's handler is there from the start, since a {@code ping} needs
 * nothing else; a connection that asks for any other channel first waits until
 * {@link #ready} hands over all of them, at most {@link #START_WAIT}. If the start fails, or takes
 * longer, it is refused with a {@link NotStartedException}.
 */
public final class StartingHandlers implements Function<Handshake, ChannelHandler> {
    /** Far more than a start takes (tens of milliseconds); a bound, so no connection waits forever. */
    static final Duration START_WAIT = Duration.ofSeconds(60);

    /** The daemon could not hand this connection to its channel: its start failed or did not end. */
    public static final class NotStartedException extends RuntimeException {
        NotStartedException(String message) {
            super(message);
        }
    }

    private final ChannelHandler pool;
    private final CompletableFuture<ChannelHandlers> all = new CompletableFuture<>();
    private final Duration wait;

    public StartingHandlers(ChannelHandler pool) {
        this(pool, START_WAIT);
    }

    StartingHandlers(ChannelHandler pool, Duration wait) {
        this.pool = pool;
        this.wait = wait;
    }

    /** Every channel's handler, from now on; connections waiting for one go on. */
    public void ready(ChannelHandlers handlers) {
        all.complete(handlers);
    }

    /** The start failed: connections waiting for a handler are refused. */
    public void failed(Throwable cause) {
        all.completeExceptionally(cause);
    }

    @Override
    public ChannelHandler apply(Handshake handshake) {
        if (handshake instanceof Handshake.Pool) {
            return pool;
        }
        try {
            return all.get(wait.toMillis(), TimeUnit.MILLISECONDS).forHandshake(handshake);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new NotStartedException("the daemon failed to start: "
                    + (cause.getMessage() != null ? cause.getMessage() : cause.toString()));
        } catch (TimeoutException e) {
            throw new NotStartedException("the daemon is still starting after " + wait.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotStartedException("the daemon is stopping");
        }
    }
}
