package io.runtimed.sync;

import io.runtimed.protocol.FrameChannel;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shared document and every peer connected to it (PROTOCOL.md §6.1). A frame from a peer is
 * applied under the document's lock; if it changed the document, the change is persisted and every
 * peer, the sender included, is told; the sender is told in any case, which is its reply. Each
 * peer's writer then sends what Automerge generates for it.
 *
 * <p>Used by the settings document (one room for the daemon's life) and meant for notebook rooms.
 */
public final class SyncRoom {
    private static final Logger LOG = LoggerFactory.getLogger(SyncRoom.class);

    /** How a room keeps its document; both steps run on the applying thread and log their own failures. */
    @FunctionalInterface
    public interface Persistence {
        /** After a change and before any peer hears of it: what must be durable before anyone sees it. */
        void persist();

        /**
         * After the peers were told: slower copies that no peer waits for (the settings mirror).
         * Returns true if it changed the document again (then the peers are told once more).
         */
        default boolean publish() {
            return false;
        }
    }

    /**
     * Persistence in two steps, for rooms whose disk writes must not delay the other peers
     * (notebook rooms): {@link #stage()} runs on the applying thread right after a change, the
     * other peers then hear of the change, and the returned {@link Durability#await()} runs before
     * the sender is answered, so a sender's change is on disk before the daemon acknowledges it.
     */
    @FunctionalInterface
    public interface StagedPersistence {
        Durability stage();
    }

    /** Waits until what {@link StagedPersistence#stage()} handed over is durable; logs its own failures. */
    @FunctionalInterface
    public interface Durability {
        void await();
    }

    private final DocumentOwner owner;
    private final Persistence persistence;
    private final StagedPersistence staged;
    private final Set<SyncPeer> peers = ConcurrentHashMap.newKeySet();
    private final ReentrantLock membership = new ReentrantLock();
    private final Condition empty = membership.newCondition();
    private boolean closed;

    public SyncRoom(DocumentOwner owner, Persistence persistence) {
        this.owner = owner;
        this.persistence = persistence;
        this.staged = null;
    }

    /** A room whose changes are staged for a writer and awaited only before the sender's reply. */
    public SyncRoom(DocumentOwner owner, StagedPersistence staged) {
        this.owner = owner;
        this.persistence = null;
        this.staged = staged;
    }

    public DocumentOwner owner() {
        return owner;
    }

    /**
     * Serves one peer on the calling thread until it disconnects. {@code label} names the peer in
     * logs and its writer thread ({@code peer-settings-12}).
     *
     * @throws SyncMessageException when the peer sends something that is not a sync message
     * @throws IOException          when the connection breaks
     */
    public void serve(String label, FrameChannel frames) throws IOException {
        SyncPeer peer = new SyncPeer(label, frames, owner, this);
        if (!join(peer)) {
            peer.disconnect();
            return;
        }
        LOG.debug("{}: joined the {} ({} peers)", label, owner, peers.size());
        try {
            peer.run();
        } finally {
            leave(peer);
            LOG.debug("{}: left the {} ({} peers)", label, owner, peers.size());
        }
    }

    /**
     * §6.1 step 2: apply, persist if changed, tell every peer (including the sender). A message
     * that changed nothing (an acknowledgement) is answered to its sender only.
     */
    void received(SyncPeer from, byte[] frame) throws SyncMessageException {
        if (from.apply(frame)) {
            if (staged != null) {
                Durability durable = staged.stage();
                for (SyncPeer p : peers) {
                    if (p != from) {
                        p.documentChanged();
                    }
                }
                durable.await();
                from.documentChanged();
            } else {
                persistence.persist();
                broadcast();
                if (persistence.publish()) {
                    broadcast();
                }
            }
        } else {
            from.documentChanged();
        }
    }

    /** The document changed outside any peer (e.g. the settings file watcher): tell every peer. */
    public void broadcast() {
        for (SyncPeer p : peers) {
            p.documentChanged();
        }
    }

    public int peerCount() {
        return peers.size();
    }

    /**
     * Drops every peer and waits (at most {@code timeout}) until all have left, so that their sync
     * states are freed before the owner frees the document. New peers are turned away. Returns
     * false if some peer was still leaving when the time ran out.
     */
    public boolean close(Duration timeout) {
        membership.lock();
        try {
            closed = true;
        } finally {
            membership.unlock();
        }
        peers.forEach(SyncPeer::disconnect);
        long left = timeout.toNanos();
        membership.lock();
        try {
            while (!peers.isEmpty()) {
                if (left <= 0) {
                    LOG.warn("{} peers of the {} still leaving after {} ms", peers.size(), owner, timeout.toMillis());
                    return false;
                }
                left = empty.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            membership.unlock();
        }
    }

    private boolean join(SyncPeer peer) {
        membership.lock();
        try {
            if (closed) {
                return false;
            }
            peers.add(peer);
            return true;
        } finally {
            membership.unlock();
        }
    }

    private void leave(SyncPeer peer) {
        membership.lock();
        try {
            peers.remove(peer);
            if (peers.isEmpty()) {
                empty.signalAll();
            }
        } finally {
            membership.unlock();
        }
    }
}
