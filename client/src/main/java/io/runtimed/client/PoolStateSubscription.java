package io.runtimed.client;

import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.PoolState;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An open {@code pool_state_subscribe} connection (KERNELS.md §11.1): its {@code pool-state-<n>} thread
 * reads each {@link PoolState} frame and hands it to the listener, in order; the first comes at
 * once. It ends when closed, when the daemon stops, or on a frame it cannot read; {@link #ended()}
 * completes then.
 */
public final class PoolStateSubscription implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PoolStateSubscription.class);
    private static final AtomicInteger NUMBERS = new AtomicInteger();

    private final FrameChannel frames;
    private final Consumer<PoolState> listener;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile boolean closing;

    PoolStateSubscription(FrameChannel frames, Consumer<PoolState> listener) {
        this.frames = frames;
        this.listener = listener;
        Thread reader = new Thread(this::read, "pool-state-" + NUMBERS.incrementAndGet());
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        try {
            while (true) {
                // no read timeout: the daemon is silent while nothing changes
                byte[] frame = frames.readFrame(Frames.DATA_MAX);
                if (frame == null) {
                    return;
                }
                listener.accept(Json.parse(frame, PoolState.class));
            }
        } catch (IOException e) {
            if (!closing) {
                LOG.debug("pool state subscription ended: {}", e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.warn("pool state listener failed; subscription ended", e);
        } finally {
            closeQuietly();
            ended.complete(null);
        }
    }

    /** Completes when the subscription has ended, for whatever reason. */
    public CompletableFuture<Void> ended() {
        return ended;
    }

    /** Ends the subscription: the daemon sees the socket close. */
    @Override
    public void close() {
        closing = true;
        closeQuietly();
    }

    private void closeQuietly() {
        try {
            frames.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
