package io.runtimed.client;

import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Handshake;
import io.runtimed.protocol.PoolWire;
import io.runtimed.protocol.MalformedMessageException;
import io.runtimed.protocol.PoolRequest;
import io.runtimed.protocol.PoolResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One open pool-channel connection carrying any number of requests (PROTOCOL.md §4). Not
 * thread-safe: one request at a time. {@link PoolClient} opens one per call, as the reference does.
 */
public final class PoolConnection implements AutoCloseable {
    private final FrameChannel frames;
    private final Duration readTimeout;

    private PoolConnection(FrameChannel frames, Duration readTimeout) {
        this.frames = frames;
        this.readTimeout = readTimeout;
    }

    public static PoolConnection open(Path socket, Duration connectTimeout, Duration readTimeout)
            throws DaemonClientException {
        return new PoolConnection(DaemonSocket.open(socket, new Handshake.Pool(), connectTimeout), readTimeout);
    }

    /** Sends one request and waits (at most the read timeout) for its answer. A daemon error answer is thrown. */
    public PoolResponse request(PoolRequest request) throws DaemonClientException {
        try {
            frames.writeFrame(PoolWire.request(request), readTimeout);
        } catch (IOException e) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Protocol error: send: " + e.getMessage(), e);
        }
        byte[] answer;
        try {
            answer = frames.readFrame(Frames.DATA_MAX, readTimeout);
        } catch (IOException e) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Protocol error: recv: " + e.getMessage(), e);
        }
        if (answer == null) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Protocol error: connection closed");
        }
        PoolResponse response;
        try {
            response = PoolWire.parseResponse(answer);
        } catch (MalformedMessageException e) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Protocol error: " + e.getMessage(), e);
        }
        if (response instanceof PoolResponse.Error error) {
            throw new DaemonClientException(DaemonClientException.Kind.DAEMON_ERROR, "Daemon returned error: " + error.message());
        }
        return response;
    }

    /** Sends a request and insists on one answer type; any other is "Unexpected response". */
    public <T extends PoolResponse> T request(PoolRequest request, Class<T> expected) throws DaemonClientException {
        PoolResponse response = request(request);
        if (!expected.isInstance(response)) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Protocol error: Unexpected response");
        }
        return expected.cast(response);
    }

    @Override
    public void close() {
        try {
            frames.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
