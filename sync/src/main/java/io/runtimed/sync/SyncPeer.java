package io.runtimed.sync;

import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.automerge.SyncState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connected peer of a {@link SyncRoom} (PROTOCOL.md §6.1): the connection's own thread reads
 * and applies its frames, and a dedicated writer thread sends it whatever Automerge generates for
 * it. The writer is woken by "document changed" notifications, which coalesce into one pending
 * flag: generation always starts from the peer's full sync state, so one generation after many
 * changes sends everything (§6.1: coalescing is always safe). The document lock is held only to
 * generate, never while writing to the socket, so a slow reader delays nobody but itself.
 */
final class SyncPeer {
    private static final Logger LOG = LoggerFactory.getLogger(SyncPeer.class);
    /** How long a departing peer waits for its writer to notice the closed socket. */
    private static final long WRITER_JOIN_MILLIS = 5_000;

    private final String label;
    private final FrameChannel frames;
    private final DocumentOwner owner;
    private final SyncRoom room;
    private final Thread writer;
    private final ReentrantLock signal = new ReentrantLock();
    private final Condition wake = signal.newCondition();
    private boolean pending;
    private boolean stopping;
    /**
     * True while the reader applies and persists one of this peer's frames: the writer holds back
     * meanwhile, so nothing this peer is sent can acknowledge a change before it is persisted.
     */
    private boolean receiving;
    /** Created when the peer starts, freed when it stops; guarded by the owner's lock once the writer runs. */
    private SyncState state;
    /** Guarded by the owner's lock: once true the sync state is freed and must not be used. */
    private boolean stateFreed;

    SyncPeer(String label, FrameChannel frames, DocumentOwner owner, SyncRoom room) {
        this.label = label;
        this.frames = frames;
        this.owner = owner;
        this.room = room;
        this.writer = new Thread(this::writeLoop, label + "-writer");
        this.writer.setDaemon(true);
    }

    String label() {
        return label;
    }

    /**
     * Serves the peer until it disconnects: sends the first message at once (the server speaks
     * first, §6.1 step 1), then applies every frame it sends. Returns at a clean EOF; throws for a
     * broken connection or a frame that is not a sync message.
     */
    void run() throws IOException {
        state = NativeHandles.newSyncState();
        writer.start();
        documentChanged();
        try {
            while (true) {
                byte[] frame = frames.readFrame(Frames.DATA_MAX);
                if (frame == null) {
                    return;
                }
                holdWriter(true);
                try {
                    room.received(this, frame);
                } finally {
                    holdWriter(false);
                }
            }
        } finally {
            stop();
        }
    }

    /** Applies one frame with this peer's state; true when it changed the document. */
    boolean apply(byte[] frame) throws SyncMessageException {
        return owner.receive(state, frame);
    }

    /** Something changed (or the peer spoke): generate for it when the writer next runs. */
    void documentChanged() {
        signal.lock();
        try {
            pending = true;
            wake.signal();
        } finally {
            signal.unlock();
        }
    }

    private void holdWriter(boolean hold) {
        signal.lock();
        try {
            receiving = hold;
            if (!hold) {
                wake.signal();
            }
        } finally {
            signal.unlock();
        }
    }

    /** Ends the connection from our side (daemon shutdown); the reader then returns. */
    void disconnect() {
        try {
            frames.close();
        } catch (IOException e) {
            LOG.debug("{}: closing: {}", label, e.getMessage());
        }
    }

    private void writeLoop() {
        try {
            while (awaitWork()) {
                Optional<byte[]> message = generate();
                if (message.isPresent()) {
                    frames.writeFrame(message.get());
                }
            }
        } catch (IOException e) {
            // the reader sees the closed socket and ends the peer
            LOG.debug("{}: write failed: {}", label, e.getMessage());
            disconnect();
        } catch (IllegalStateException e) {
            // the room closed its document while this peer was leaving (daemon shutdown)
            LOG.debug("{}: {}", label, e.getMessage());
            disconnect();
        } catch (RuntimeException e) {
            LOG.error("{}: writer failed", label, e);
            disconnect();
        }
    }

    /** Waits for a notification; false once the peer is stopping. */
    private boolean awaitWork() {
        signal.lock();
        try {
            while ((!pending || receiving) && !stopping) {
                wake.awaitUninterruptibly();
            }
            pending = false;
            return !stopping;
        } finally {
            signal.unlock();
        }
    }

    private Optional<byte[]> generate() {
        return owner.withDocument(doc -> stateFreed ? Optional.<byte[]>empty() : doc.generateSyncMessage(state));
    }

    /** Stops the writer and frees the sync state, exactly once, with no generation running. */
    private void stop() {
        signal.lock();
        try {
            stopping = true;
            wake.signal();
        } finally {
            signal.unlock();
        }
        // a writer blocked on a full socket buffer wakes up when the channel closes
        disconnect();
        try {
            writer.join(WRITER_JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        owner.underLock(() -> {
            if (state != null && !stateFreed) {
                stateFreed = true;
                NativeHandles.free(state);
            }
        });
    }

    @Override
    public String toString() {
        return label;
    }
}
