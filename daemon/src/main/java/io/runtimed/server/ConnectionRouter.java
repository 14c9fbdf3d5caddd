package io.runtimed.server;

import io.runtimed.daemon.Daemon;
import io.runtimed.protocol.FrameTimeoutException;
import io.runtimed.protocol.FrameTooLargeException;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Handshake;
import io.runtimed.protocol.HandshakeError;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.MalformedMessageException;
import io.runtimed.protocol.PoolWire;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a connection's handshake (PROTOCOL.md §3) and hands it to its channel's handler. Every
 * client fault ends here as one log line and, where the channel has a way to say it, one error
 * answer before the connection closes; stack traces are kept for our own bugs.
 */
public final class ConnectionRouter {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionRouter.class);
    private static final Duration ERROR_WRITE_TIMEOUT = Duration.ofSeconds(2);

    private final Function<Handshake, ChannelHandler> handlers;
    private final Duration handshakeTimeout;

    public ConnectionRouter(ChannelHandlers handlers, Duration handshakeTimeout) {
        this(handlers::forHandshake, handshakeTimeout);
    }

    /** A router whose handler for a handshake comes from {@code handlers} (e.g. {@link StartingHandlers}). */
    public ConnectionRouter(Function<Handshake, ChannelHandler> handlers, Duration handshakeTimeout) {
        this.handlers = handlers;
        this.handshakeTimeout = handshakeTimeout;
    }

    /** Serves the connection to its end and closes it. */
    public void serve(Connection connection) {
        ChannelHandler handler = null;
        try {
            byte[] frame = connection.frames().readFrame(Frames.CONTROL_MAX, handshakeTimeout);
            if (frame == null) {
                LOG.debug("{}: closed before handshake", connection);
                return;
            }
            Handshake handshake = PoolWire.parseHandshake(frame);
            Thread.currentThread().setName("peer-" + handshake.channelName() + "-" + connection.id());
            LOG.debug("{}: {} channel", connection, handshake.channelName());
            handler = handlers.apply(handshake);
            handler.serve(connection, handshake);
        } catch (MalformedMessageException | FrameTooLargeException e) {
            reject(connection, handler, e.getMessage());
        } catch (StartingHandlers.NotStartedException e) {
            LOG.warn("{}: refused: {}", connection, e.getMessage());
            answer(connection, Optional.of(Json.compact(new HandshakeError(e.getMessage()))));
        } catch (FrameTimeoutException e) {
            LOG.warn("{}: dropped: {}", connection, e.getMessage());
        } catch (EOFException | ClosedChannelException e) {
            LOG.debug("{}: closed mid-frame", connection);
        } catch (IOException e) {
            LOG.warn("{}: dropped: {}", connection, e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("{}: internal error", connection, e);
            reject(connection, handler, "internal error: " + e);
        } finally {
            // closed after the catch blocks, which may still answer on it
            try {
                connection.frames().close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    /**
     * Before a channel is chosen the answer is a {@link HandshakeError}, which the reference's
     * clients surface as "Daemon returned error: …"; after, the channel's own error, if it has one.
     */
    private void reject(Connection connection, ChannelHandler handler, String message) {
        String where = handler == null ? "bad handshake" : "bad request";
        LOG.warn("{}: {}: {}", connection, where, message);
        answer(connection, handler == null
                ? Optional.of(Json.compact(new HandshakeError(where + ": " + message)))
                : handler.errorFrame(where + ": " + message));
    }

    private static void answer(Connection connection, Optional<byte[]> answer) {
        if (answer.isPresent() && connection.frames().isOpen()) {
            try {
                connection.frames().writeFrame(answer.get(), ERROR_WRITE_TIMEOUT);
            } catch (IOException ignored) {
                // the client is gone; nothing else to tell it
            }
        }
    }
}
