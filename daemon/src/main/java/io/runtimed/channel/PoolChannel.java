package io.runtimed.channel;

import io.runtimed.pool.EnvPools;
import io.runtimed.pool.ReturnRefusedException;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Handshake;
import io.runtimed.protocol.PoolRequest;
import io.runtimed.protocol.PoolResponse;
import io.runtimed.protocol.PoolWire;
import io.runtimed.protocol.RoomInfo;
import io.runtimed.server.ChannelHandler;
import io.runtimed.server.Connection;
import io.runtimed.server.DaemonLifecycle;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** PROTOCOL.md §4: JSON request/response on the pool channel, any number of requests per connection. */
public final class PoolChannel implements ChannelHandler {
    private static final Logger LOG = LoggerFactory.getLogger(PoolChannel.class);
    /** A request whose header arrived must be complete by then; a stalled half frame is dropped. */
    static final Duration PAYLOAD_TIMEOUT = Duration.ofSeconds(30);
    /** A client that stops reading its answers is dropped instead of holding a thread forever. */
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

    private final EnvPools pools;
    private final DaemonLifecycle lifecycle;
    private final Supplier<List<RoomInfo>> rooms;
    private final Function<String, PoolResponse> inspect;

    public PoolChannel(EnvPools pools, DaemonLifecycle lifecycle) {
        this(pools, lifecycle, List::of, PoolChannel::noRooms);
    }

    /**
     * KERNELS.md §11.1: {@code rooms} answers {@code list_rooms} (the open notebook rooms),
     * {@code inspect} answers {@code inspect_notebook} with {@code notebook_state} or {@code error}.
     */
    public PoolChannel(EnvPools pools, DaemonLifecycle lifecycle, Supplier<List<RoomInfo>> rooms,
                       Function<String, PoolResponse> inspect) {
        this.pools = pools;
        this.lifecycle = lifecycle;
        this.rooms = rooms;
        this.inspect = inspect;
    }

    private static PoolResponse noRooms(String notebookId) {
        return new PoolResponse.Error("Notebook not found: this daemon has no notebook rooms");
    }

    @Override
    public void serve(Connection connection, Handshake handshake) throws IOException {
        while (true) {
            // PROTOCOL.md §2 lets us cap JSON requests at 64 KiB; reference clients never send more.
            int length = connection.frames().readLength(Frames.CONTROL_MAX, null);
            if (length < 0) {
                return;
            }
            byte[] payload = connection.frames().readPayload(length, PAYLOAD_TIMEOUT);
            try (DaemonLifecycle.InFlight ignored = lifecycle.beginRequest()) {
                PoolRequest request = PoolWire.parseRequest(payload);
                try {
                    PoolResponse response = answer(request);
                    connection.frames().writeFrame(PoolWire.response(response), WRITE_TIMEOUT);
                } finally {
                    afterAnswer(request);
                }
            }
        }
    }

    PoolResponse answer(PoolRequest request) {
        if (request instanceof PoolRequest.Ping) {
            return new PoolResponse.Pong();
        } else if (request instanceof PoolRequest.Status) {
            return new PoolResponse.Stats(pools.stats());
        } else if (request instanceof PoolRequest.Take take) {
            return pools.takeWithoutRefill(take.envType())
                    .<PoolResponse>map(PoolResponse.Env::new)
                    .orElseGet(PoolResponse.Empty::new);
        } else if (request instanceof PoolRequest.Return ret) {
            try {
                pools.giveBack(ret.env());
                return new PoolResponse.Returned();
            } catch (ReturnRefusedException e) {
                LOG.warn("refused a returned environment: {}", e.getMessage());
                return new PoolResponse.Error(e.getMessage());
            }
        } else if (request instanceof PoolRequest.FlushPool) {
            pools.flush();
            return new PoolResponse.Flushed();
        } else if (request instanceof PoolRequest.ListRooms) {
            return new PoolResponse.RoomsList(rooms.get());
        } else if (request instanceof PoolRequest.InspectNotebook inspectNotebook) {
            return inspect.apply(inspectNotebook.notebookId());
        } else if (request instanceof PoolRequest.Shutdown) {
            LOG.info("shutdown requested by a client");
            lifecycle.requestShutdown("shutdown request");
            return new PoolResponse.ShuttingDown();
        }
        throw new IllegalStateException("unhandled pool request " + request);
    }

    /**
     * What a request leaves to do once its answer was written (or could not be): a take's refill,
     * whose build must not compete with the answer for the CPU.
     */
    private void afterAnswer(PoolRequest request) {
        if (request instanceof PoolRequest.Take take) {
            pools.refill(take.envType());
        }
    }

    @Override
    public Optional<byte[]> errorFrame(String message) {
        return Optional.of(PoolWire.response(new PoolResponse.Error(message)));
    }
}
