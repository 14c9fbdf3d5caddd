package io.runtimed.channel;

import io.runtimed.blob.BlobStore;
import io.runtimed.blob.BlobTooLargeException;
import io.runtimed.protocol.BlobRequest;
import io.runtimed.protocol.BlobResponse;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.FrameTooLargeException;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Handshake;
import io.runtimed.protocol.Json;
import io.runtimed.server.ChannelHandler;
import io.runtimed.server.Connection;
import io.runtimed.server.DaemonLifecycle;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PROTOCOL.md §5: the blob channel. Any number of requests per connection; {@code store} is a
 * three-frame exchange (request, raw data frame, answer) and {@code get_port} a two-frame one.
 * Answers are untagged: {@code {"hash":…}}, {@code {"port":…}} or {@code {"error":…}}.
 *
 * <p>The data frame goes straight from the socket into the store's temp file; a header that
 * announces more than 100 MiB is answered {@code {"error":"blob too large: N bytes (max 104857600)"}}
 * and the connection closed, without reading a byte of the body (the reference drops such a
 * connection silently; its clients understand the error answer).
 */
public final class BlobChannel implements ChannelHandler {
    private static final Logger LOG = LoggerFactory.getLogger(BlobChannel.class);
    /** A request whose header arrived must be complete by then. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** The data frame, up to 100 MiB, must follow its request and arrive completely within this. */
    static final Duration DATA_TIMEOUT = Duration.ofSeconds(120);
    /** A client that stops reading its answers is dropped instead of holding a thread forever. */
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

    private final BlobStore store;
    private final Supplier<OptionalInt> httpPort;
    private final DaemonLifecycle lifecycle;

    /**
     * {@code httpPort} answers the HTTP server's port, empty when it did not start (DAEMON.md §5).
     * The daemon starts that server after its socket listens, so the supplier may wait a moment.
     */
    public BlobChannel(BlobStore store, Supplier<OptionalInt> httpPort, DaemonLifecycle lifecycle) {
        this.store = store;
        this.httpPort = httpPort;
        this.lifecycle = lifecycle;
    }

    @Override
    public void serve(Connection connection, Handshake handshake) throws IOException {
        FrameChannel frames = connection.frames();
        while (true) {
            // PROTOCOL.md §2 lets a Java daemon cap JSON requests at 64 KiB; clients never send more.
            int length = frames.readLength(Frames.CONTROL_MAX, null);
            if (length < 0) {
                return;
            }
            BlobRequest request = Json.parse(frames.readPayload(length, REQUEST_TIMEOUT), BlobRequest.class);
            if (request instanceof BlobRequest.GetPort) {
                OptionalInt port = httpPort.get();
                BlobResponse answer = port.isPresent()
                        ? new BlobResponse.Port(port.getAsInt())
                        : new BlobResponse.Error(BlobResponse.Error.NOT_RUNNING);
                frames.writeFrame(Json.compact(answer), WRITE_TIMEOUT);
            } else if (request instanceof BlobRequest.Store store) {
                if (!store(connection, store.mediaType())) {
                    return;
                }
            } else {
                throw new IllegalStateException("unhandled blob request " + request);
            }
        }
    }

    /** Frames 2 and 3 of a store; false when the connection must end. */
    private boolean store(Connection connection, String mediaType) throws IOException {
        FrameChannel frames = connection.frames();
        int length;
        try {
            length = frames.readLength(Frames.DATA_MAX, DATA_TIMEOUT);
        } catch (FrameTooLargeException e) {
            // refused at the header: the body is neither read nor buffered, and the connection ends
            // because the rest of the stream is that body
            LOG.warn("{}: {}", connection, BlobTooLargeException.message(e.length()));
            frames.writeFrame(Json.compact(new BlobResponse.Error(BlobTooLargeException.message(e.length()))),
                    WRITE_TIMEOUT);
            return false;
        }
        if (length < 0) {
            return false; // PROTOCOL.md §5: EOF between request and data ends the connection silently
        }
        BlobResponse answer;
        try (DaemonLifecycle.InFlight ignored = lifecycle.beginRequest()) {
            String hash = this.store.put(length, mediaType, sink -> {
                try {
                    frames.transferPayload(length, sink, DATA_TIMEOUT);
                } catch (IOException e) {
                    throw new ClientFailure(e);
                }
            });
            LOG.debug("{}: stored {} ({} bytes, {})", connection, hash, length, mediaType);
            answer = new BlobResponse.Stored(hash);
        } catch (ClientFailure e) {
            // EOF inside the frame, a stalled client: nothing to answer, the router ends the connection
            throw e.socketError;
        } catch (IOException e) {
            // PROTOCOL.md §5: a failed store is answered with the I/O error's text. The store read the
            // frame to its end before it threw, so the connection is still in step.
            LOG.warn("{}: store failed: {}", connection, describe(e));
            answer = new BlobResponse.Error(describe(e));
        }
        frames.writeFrame(Json.compact(answer), WRITE_TIMEOUT);
        return true;
    }

    /** The I/O error in words: Java's file-system exceptions carry only the path as their message. */
    static String describe(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f) {
            String reason = f.getReason() != null ? f.getReason() : e.getClass().getSimpleName().replace("Exception", "");
            return reason + ": " + f.getFile();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** Marks a failure to read the data frame from the socket, as opposed to one of the store's. */
    private static final class ClientFailure extends IOException {
        final IOException socketError;

        ClientFailure(IOException socketError) {
            super(socketError.getMessage(), socketError);
            this.socketError = socketError;
        }
    }

    @Override
    public Optional<byte[]> errorFrame(String message) {
        return Optional.of(Json.compact(new BlobResponse.Error(message)));
    }
}
