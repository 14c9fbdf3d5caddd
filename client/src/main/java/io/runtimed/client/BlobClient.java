package io.runtimed.client;

import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.BlobHash;
import io.runtimed.protocol.BlobRequest;
import io.runtimed.protocol.BlobResponse;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Handshake;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.MalformedMessageException;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * The blob API a notebook app embeds (PROTOCOL.md §5, BLOBS.md §6): write a blob over the socket
 * and get its hash, find the HTTP read server's port, and build a blob's URL. Each call opens its
 * own connection, with a timeout on the connect and on every read and write.
 */
public final class BlobClient {
    /** BLOBS.md §4: the largest blob the daemon stores (100 MiB). */
    public static final long MAX_BLOB_BYTES = Frames.DATA_MAX;
    /** Long enough for 100 MiB through a busy socket and an fsync. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(120);

    private final Path socket;
    private final Duration connectTimeout;
    private final Duration readTimeout;

    public BlobClient(Path socket, Duration connectTimeout, Duration readTimeout) {
        this.socket = socket;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
    }

    public BlobClient(Path socket) {
        this(socket, PoolClient.DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT);
    }

    /** A client for the default endpoint, {@code <cache>/runt/runtimed.sock}. */
    public static BlobClient forDefaultSocket() {
        return new BlobClient(RuntPaths.current().defaultSocket());
    }

    /** Stores {@code data} and returns its hash (64 lowercase hex). */
    public String store(byte[] data, String mediaType) throws DaemonClientException {
        return store(Channels.newChannel(new java.io.ByteArrayInputStream(data)), data.length, mediaType);
    }

    /** Stores a file's contents without reading it into memory and returns its hash. */
    public String store(Path file, String mediaType) throws DaemonClientException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            return store(in, in.size(), mediaType);
        } catch (DaemonClientException e) {
            throw e;
        } catch (IOException e) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private String store(ReadableByteChannel data, long length, String mediaType) throws DaemonClientException {
        if (length > MAX_BLOB_BYTES) {
            // the daemon would refuse it at the frame header; say so before sending anything
            throw new DaemonClientException(DaemonClientException.Kind.DAEMON_ERROR,
                    "blob too large: " + length + " bytes (max " + MAX_BLOB_BYTES + ")");
        }
        try (FrameChannel frames = DaemonSocket.open(socket, new Handshake.Blob(), connectTimeout)) {
            send(frames, Json.compact(new BlobRequest.Store(mediaType)));
            try {
                frames.writeFrame(data, (int) length, readTimeout);
            } catch (IOException e) {
                throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Protocol error: send: " + e.getMessage(), e);
            }
            BlobResponse answer = receive(frames);
            if (answer instanceof BlobResponse.Stored stored) {
                return stored.hash();
            }
            throw unexpected(answer);
        } catch (IOException e) {
            throw asClientError(e);
        }
    }

    /** The HTTP read server's port, or empty when the daemon runs without one ("blob server not running"). */
    public OptionalInt port() throws DaemonClientException {
        try (FrameChannel frames = DaemonSocket.open(socket, new Handshake.Blob(), connectTimeout)) {
            send(frames, Json.compact(new BlobRequest.GetPort()));
            BlobResponse answer = receive(frames);
            if (answer instanceof BlobResponse.Port port) {
                return OptionalInt.of(port.port());
            }
            if (answer instanceof BlobResponse.Error error && error.error().equals(BlobResponse.Error.NOT_RUNNING)) {
                return OptionalInt.empty();
            }
            throw unexpected(answer);
        } catch (IOException e) {
            throw asClientError(e);
        }
    }

    /** {@code http://127.0.0.1:<port>/blob/<hash>}, asking the daemon for the port. */
    public String url(String hash) throws DaemonClientException {
        OptionalInt port = port();
        if (port.isEmpty()) {
            throw new DaemonClientException(DaemonClientException.Kind.DAEMON_ERROR,
                    "Daemon returned error: " + BlobResponse.Error.NOT_RUNNING);
        }
        return url(port.getAsInt(), hash);
    }

    /** BLOBS.md §6: {@code http://127.0.0.1:<port>/blob/<hash>}; the hash must be valid. */
    public static String url(int port, String hash) {
        if (!BlobHash.isValid(hash)) {
            throw new IllegalArgumentException("not a blob hash: " + hash);
        }
        return "http://127.0.0.1:" + port + "/blob/" + hash;
    }

    private void send(FrameChannel frames, byte[] request) throws DaemonClientException {
        try {
            frames.writeFrame(request, readTimeout);
        } catch (IOException e) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Protocol error: send: " + e.getMessage(), e);
        }
    }

    private BlobResponse receive(FrameChannel frames) throws DaemonClientException {
        byte[] answer;
        try {
            answer = frames.readFrame(Frames.CONTROL_MAX, readTimeout);
        } catch (IOException e) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Protocol error: recv: " + e.getMessage(), e);
        }
        if (answer == null) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Protocol error: connection closed");
        }
        try {
            return Json.parse(answer, BlobResponse.class);
        } catch (MalformedMessageException e) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Protocol error: " + e.getMessage(), e);
        }
    }

    private static DaemonClientException unexpected(BlobResponse answer) {
        if (answer instanceof BlobResponse.Error error) {
            return new DaemonClientException(DaemonClientException.Kind.DAEMON_ERROR, "Daemon returned error: " + error.error());
        }
        return new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Protocol error: Unexpected response");
    }

    private static DaemonClientException asClientError(IOException e) {
        if (e instanceof DaemonClientException d) {
            return d;
        }
        return new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Protocol error: " + e.getMessage(), e);
    }
}
