package io.runtimed.rooms;

import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.SyncMessageException;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.automerge.SyncState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connected peer of a {@link SyncRoom} (PROTOCOL.md §6.1).
 *
 * <p>The connection's own thread reads the peer's frames; for each one it applies it and then, before
 * it reads the next, generates this peer's reply. That order matters: Automerge's receive treats a
 * change-free message whose heads equal ours as proof that the peer already knows our heads, so a
 * reply owed for an earlier message and generated only after a later one is silently dropped, and
 * a peer that pipelines its messages (JS apps do) would wait forever for our heads.
 *
 * <p>The sync state is only ever used under {@link #exchange}, by one thread at a time, and what a
 * generation produces is queued for the socket in the same hold, so messages leave in the order they
 * were generated. A second thread, the sender, generates on "document changed" notifications (which
 * coalesce: generation starts from the full sync state, §6.1) and does every socket write, so a
 * slow reader on the other end delays only itself and the reading of its own frames never blocks
 * on a full socket. Before it writes a message the sender waits until the heads it carries are
 * durable ({@link DocumentOwner#awaitDurable(long)}): no message carries heads that a crash could
 * lose, while the reader goes on applying the peer's next frames, so a burst shares one fsync.
 */
final class SyncPeer {
    private static final Logger LOG = LoggerFactory.getLogger(SyncPeer.class);
    /** How long a departing peer waits for its sender to notice the closed socket. */
    private static final long SENDER_JOIN_MILLIS = 5_000;

    private final String label;
    private final FrameChannel frames;
    private final DocumentOwner owner;
    private final SyncRoom room;
    private final Thread sender;
    /** Held while the sync state is used and what it generated is queued. */
    private final ReentrantLock exchange = new ReentrantLock();
    private final ReentrantLock signal = new ReentrantLock();
    private final Condition wake = signal.newCondition();
    // guarded by signal
    private final ArrayDeque<DocumentOwner.Outgoing> outbox = new ArrayDeque<>();
    private boolean changed;
    private boolean stopping;
    // guarded by exchange
    private SyncState state;

    SyncPeer(String label, FrameChannel frames, DocumentOwner owner, SyncRoom room) {
        this.label = label;
        this.frames = frames;
        this.owner = owner;
        this.room = room;
        this.sender = new Thread(this::sendLoop, label + "-writer");
        this.sender.setDaemon(true);
    }

    String label() {
        return label;
    }

    /**
     * Serves the peer until it disconnects: sends the first message at once (the server speaks
     * first, §6.1 step 1), then applies every frame it sends and answers it. Returns at a clean EOF;
     * throws for a broken connection or a frame that is not a sync message.
     */
    void run() throws IOException {
        exchange.lock();
        try {
            state = NativeHandles.newSyncState();
        } finally {
            exchange.unlock();
        }
        sender.start();
        try {
            generateAndQueue();
            while (true) {
                byte[] frame = frames.readFrame(Frames.DATA_MAX);
                if (frame == null) {
                    return;
                }
                receive(frame);
            }
        } finally {
            stop();
        }
    }

    /**
     * §6.1 step 2: apply under the document's lock (staging any change for the disk), tell the other
     * peers, then generate this peer's reply, which the sender holds until the change is durable.
     */
    private void receive(byte[] frame) throws SyncMessageException {
        exchange.lock();
        try {
            if (owner.receive(state, frame)) {
                room.changedBy(this);
            }
            queue(owner.generateOutgoing(state));
        } finally {
            exchange.unlock();
        }
    }

    private void generateAndQueue() {
        exchange.lock();
        try {
            if (state != null) {
                queue(owner.generateOutgoing(state));
            }
        } finally {
            exchange.unlock();
        }
    }

    /** Under {@link #exchange}: hands a generated message to the sender, keeping generation order. */
    private void queue(Optional<DocumentOwner.Outgoing> message) {
        if (message.isEmpty()) {
            return;
        }
        signal.lock();
        try {
            outbox.add(message.get());
            wake.signal();
        } finally {
            signal.unlock();
        }
    }

    /** Something changed (another peer's change, a daemon-side edit): generate for this peer soon. */
    void documentChanged() {
        signal.lock();
        try {
            changed = true;
            wake.signal();
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

    private void sendLoop() {
        try {
            while (true) {
                DocumentOwner.Outgoing next;
                boolean generate;
                signal.lock();
                try {
                    while (outbox.isEmpty() && !changed && !stopping) {
                        wake.awaitUninterruptibly();
                    }
                    if (stopping) {
                        return;
                    }
                    next = outbox.poll();
                    generate = next == null && changed;
                    if (generate) {
                        changed = false;
                    }
                } finally {
                    signal.unlock();
                }
                if (generate) {
                    generateAndQueue();
                } else {
                    owner.awaitDurable(next.ticket());
                    frames.writeFrame(next.message());
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
            LOG.error("{}: sender failed", label, e);
            disconnect();
        }
    }

    /** Stops the sender and frees the sync state, exactly once, with no generation running. */
    private void stop() {
        signal.lock();
        try {
            stopping = true;
            wake.signal();
        } finally {
            signal.unlock();
        }
        // a sender blocked on a full socket buffer wakes up when the channel closes
        disconnect();
        try {
            sender.join(SENDER_JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exchange.lock();
        try {
            if (state != null) {
                NativeHandles.free(state);
                state = null;
            }
        } finally {
            exchange.unlock();
        }
    }

    @Override
    public String toString() {
        return label;
    }
}
