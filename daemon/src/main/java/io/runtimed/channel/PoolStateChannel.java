package io.runtimed.channel;

import io.runtimed.pool.PoolStateChanges;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Handshake;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.PoolState;
import io.runtimed.server.ChannelHandler;
import io.runtimed.server.Connection;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KERNELS.md §11.1 {@code pool_state_subscribe}: a {@link PoolState} frame at once, then one per change
 * of either pool's error state, until the client disconnects or the daemon shuts down. The client
 * sends nothing; whatever it sends is read and ignored, so a closed socket is noticed at once.
 *
 * <p>The connection's thread reads; a {@code -writer} thread sends. The pools only bump
 * {@link PoolStateChanges}; the writer sends the state as it is when it gets to it, so a subscriber
 * that reads slowly skips to the latest state and never holds up a pool.
 */
public final class PoolStateChannel implements ChannelHandler {
    private static final Logger LOG = LoggerFactory.getLogger(PoolStateChannel.class);
    /** A subscriber that takes no frame for this long is dropped (its thread is not held forever). */
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);
    /** How long the end of a subscription waits for its writer to notice. */
    private static final Duration WRITER_END = Duration.ofSeconds(5);

    private final Supplier<PoolState> current;
    private final PoolStateChanges changes;

    /** {@code current} reads both pools' errors as of now (their {@code retry_in_secs} counts down). */
    public PoolStateChannel(Supplier<PoolState> current, PoolStateChanges changes) {
        this.current = current;
        this.changes = changes;
    }

    @Override
    public void serve(Connection connection, Handshake handshake) throws IOException {
        AtomicBoolean gone = new AtomicBoolean();
        Thread writer = new Thread(() -> send(connection, gone), Thread.currentThread().getName() + "-writer");
        writer.setDaemon(true);
        writer.start();
        try {
            while (!gone.get()) {
                int length = connection.frames().readLength(Frames.CONTROL_MAX, null);
                if (length < 0) {
                    return;
                }
                connection.frames().readPayload(length, PoolChannel.PAYLOAD_TIMEOUT);
            }
        } catch (IOException e) {
            if (!gone.get()) {
                throw e;
            }
            // the writer ended the subscription and closed the connection under our read
        } finally {
            gone.set(true);
            changes.wake();
            try {
                writer.join(WRITER_END.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void send(Connection connection, AtomicBoolean gone) {
        try {
            long seen = changes.version();
            while (true) {
                connection.frames().writeFrame(Json.compact(current.get()), WRITE_TIMEOUT);
                seen = changes.awaitAfter(seen, gone::get);
                if (seen < 0) {
                    return;
                }
            }
        } catch (IOException e) {
            LOG.debug("{}: pool state subscriber gone: {}", connection, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (gone.compareAndSet(false, true)) {
                // shutdown or a failed write: close, which ends the reader's blocking read
                try {
                    connection.frames().close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }
    }
}
