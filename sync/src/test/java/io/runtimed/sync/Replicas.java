package io.runtimed.sync;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.automerge.Document;
import org.automerge.SyncState;

/** Test helper: documents that are freed at the end of a test, and in-memory sync between two of them. */
public final class Replicas implements AutoCloseable {
    private final List<Document> docs = new ArrayList<>();
    private final List<SyncState> states = new ArrayList<>();

    /** Registers a document to be freed by {@link #close()}. */
    public Document track(Document d) {
        docs.add(d);
        return d;
    }

    /** Registers a sync state to be freed by {@link #close()}. */
    public SyncState track(SyncState s) {
        states.add(s);
        return s;
    }

    public Document empty() {
        return track(NativeHandles.newDocument());
    }

    /**
     * Syncs {@code a} and {@code b} with fresh states until neither has anything to send, {@code a}
     * speaking first (as the daemon does). Returns the number of rounds.
     */
    public int sync(Document a, Document b) {
        SyncState sa = NativeHandles.newSyncState();
        SyncState sb = NativeHandles.newSyncState();
        states.add(sa);
        states.add(sb);
        for (int round = 1; round <= 20; round++) {
            Optional<byte[]> toB = a.generateSyncMessage(sa);
            toB.ifPresent(m -> b.receiveSyncMessage(sb, m));
            Optional<byte[]> toA = b.generateSyncMessage(sb);
            toA.ifPresent(m -> a.receiveSyncMessage(sa, m));
            if (toB.isEmpty() && toA.isEmpty()) {
                return round;
            }
        }
        throw new AssertionError("documents did not converge in 20 rounds");
    }

    /**
     * Syncs {@code peer} with {@code owner}'s document until neither has anything to send, the peer
     * speaking first; {@code owner} receives and generates through its own methods.
     */
    public static void exchangeUntilQuiet(DocumentOwner owner, Document peer, SyncState peerState, SyncState ownerState) {
        for (int i = 0; i < 20; i++) {
            Optional<byte[]> toOwner = peer.generateSyncMessage(peerState);
            if (toOwner.isPresent()) {
                try {
                    owner.receive(ownerState, toOwner.get());
                } catch (SyncMessageException e) {
                    throw new AssertionError(e);
                }
            }
            Optional<byte[]> toPeer = owner.generateOutgoing(ownerState).map(DocumentOwner.Outgoing::message);
            toPeer.ifPresent(m -> peer.receiveSyncMessage(peerState, m));
            if (toOwner.isEmpty() && toPeer.isEmpty()) {
                return;
            }
        }
        throw new AssertionError("no quiet after 20 rounds");
    }

    @Override
    public void close() {
        docs.forEach(NativeHandles::free);
        states.forEach(NativeHandles::free);
        docs.clear();
        states.clear();
    }
}
