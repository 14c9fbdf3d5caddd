package io.runtimed.client;

import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.Handshake;
import io.runtimed.protocol.PoolRequest;
import io.runtimed.protocol.PoolResponse;
import io.runtimed.protocol.PoolState;
import io.runtimed.protocol.PoolStats;
import io.runtimed.protocol.PooledEnv;
import io.runtimed.protocol.RoomInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The pool API a notebook app embeds. Each call opens its own connection (handshake, one request,
 * one answer), with a timeout on the connect and on every read, so a wedged daemon can never hang
 * the app.
 */
public final class PoolClient {
    /** PROTOCOL.md §7: the reference's connect timeout. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** Long enough for a flush that deletes environments; short enough that an app never hangs. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

    private final Path socket;
    private final Duration connectTimeout;
    private final Duration readTimeout;

    public PoolClient(Path socket, Duration connectTimeout, Duration readTimeout) {
        this.socket = socket;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
    }

    public PoolClient(Path socket) {
        this(socket, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT);
    }

    /** A client for the default endpoint, {@code <cache>/runt/runtimed.sock}. */
    public static PoolClient forDefaultSocket() {
        return new PoolClient(RuntPaths.current().defaultSocket());
    }

    public Path socket() {
        return socket;
    }

    public void ping() throws DaemonClientException {
        call(new PoolRequest.Ping(), PoolResponse.Pong.class);
    }

    /** KERNELS.md §11.1 {@code list_rooms}: the daemon's open notebook rooms, their peers and kernels. */
    public List<RoomInfo> listRooms() throws DaemonClientException {
        return call(new PoolRequest.ListRooms(), PoolResponse.RoomsList.class).rooms();
    }

    /**
     * KERNELS.md §11.1 {@code inspect_notebook}: a notebook's cells and kernel from its live room, or
     * its cells from its persisted file. A notebook that is neither is the daemon's error answer,
     * thrown as {@link DaemonClientException.Kind#DAEMON_ERROR} ("Daemon returned error: Notebook not found: …").
     */
    public PoolResponse.NotebookState inspectNotebook(String notebookId) throws DaemonClientException {
        return call(new PoolRequest.InspectNotebook(notebookId), PoolResponse.NotebookState.class);
    }

    /**
     * KERNELS.md §11.1 {@code pool_state_subscribe}: {@code listener} gets both pools' errors at once
     * and after each change, on the subscription's own thread; close the result to end it.
     */
    public PoolStateSubscription subscribePoolState(Consumer<PoolState> listener) throws DaemonClientException {
        return new PoolStateSubscription(DaemonSocket.open(socket, new Handshake.PoolStateSubscribe(), connectTimeout),
                listener);
    }

    public PoolStats status() throws DaemonClientException {
        return call(new PoolRequest.Status(), PoolResponse.Stats.class).stats();
    }

    /** A ready environment that now belongs to the caller, or empty when the pool has none. */
    public Optional<PooledEnv> take(EnvType type) throws DaemonClientException {
        PoolResponse r = call(new PoolRequest.Take(type), PoolResponse.class);
        if (r instanceof PoolResponse.Env env) {
            return Optional.of(env.env());
        }
        if (r instanceof PoolResponse.Empty) {
            return Optional.empty();
        }
        throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Protocol error: Unexpected response");
    }

    /** Gives an environment back to the pool (named {@code return} on the wire). */
    public void giveBack(PooledEnv env) throws DaemonClientException {
        call(new PoolRequest.Return(env), PoolResponse.Returned.class);
    }

    public void flush() throws DaemonClientException {
        call(new PoolRequest.FlushPool(), PoolResponse.Flushed.class);
    }

    public void shutdown() throws DaemonClientException {
        call(new PoolRequest.Shutdown(), PoolResponse.ShuttingDown.class);
    }

    private <T extends PoolResponse> T call(PoolRequest request, Class<T> expected) throws DaemonClientException {
        try (PoolConnection c = PoolConnection.open(socket, connectTimeout, readTimeout)) {
            return c.request(request, expected);
        }
    }
}
