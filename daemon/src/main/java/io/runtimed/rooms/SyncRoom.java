package io.runtimed.rooms;

import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.protocol.NotebookFrames;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.SyncMessageException;
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
 * applied under the document's lock, which stages any change for the document's journal; if it
 * changed the document every other peer is told, and the sender is answered in any case. No peer is
 * sent heads before they are durable (the owner's generation waits for its journal).
 *
 * <p>Used by the settings document (one room for the daemon's life) and by every notebook room.
 */
public final class SyncRoom {
    private static final Logger LOG = LoggerFactory.getLogger(SyncRoom.class);

    private final DocumentOwner owner;
    private final Runnable afterPeerChange;
    private final Set<SyncPeer> peers = ConcurrentHashMap.newKeySet();
    private final ReentrantLock membership = new ReentrantLock();
    private final Condition empty = membership.newCondition();
    private boolean closed;

    public SyncRoom(DocumentOwner owner) {
        this(owner, () -> { });
    }

    /**
     * @param afterPeerChange runs on the applying thread after a peer's message changed the
     *                        document (the settings mirror schedules its rewrite); must not block
     */
    public SyncRoom(DocumentOwner owner, Runnable afterPeerChange) {
        this.owner = owner;
        this.afterPeerChange = afterPeerChange;
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
        serve(label, frames, null);
    }

    /**
     * Serves one peer as {@link #serve(String, FrameChannel)}; with a {@code typed} handler the peer
     * speaks typed frames (KERNELS.md §1): capabilities first, requests, broadcasts.
     */
    public void serve(String label, FrameChannel frames, TypedFramesHandler typed) throws IOException {
        SyncPeer peer = new SyncPeer(label, frames, owner, this, typed);
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

    /** §6.1 step 2: {@code from}'s message changed the document; every other peer is told. */
    void changedBy(SyncPeer from) {
        for (SyncPeer p : peers) {
            if (p != from) {
                p.documentChanged();
            }
        }
        afterPeerChange.run();
    }

    /** The document changed outside any peer (e.g. the settings file watcher): tell every peer. */
    public void broadcast() {
        for (SyncPeer p : peers) {
            p.documentChanged();
        }
    }

    /**
     * As {@link #broadcast}, for a change the calling thread just made (a kernel's output): each
     * peer's message is generated here, while the document is fresh in this thread's caches, and
     * its writer only writes it (see {@link SyncPeer#generateHere}).
     */
    public void broadcastGenerated() {
        for (SyncPeer p : peers) {
            p.generateHere();
        }
    }

    /** KERNELS.md §3: a broadcast for every typed-frame peer (plain peers hear none). */
    public void announce(NotebookBroadcast broadcast) {
        byte[] frame = null;
        for (SyncPeer p : peers) {
            if (p.typedFrames()) {
                if (frame == null) {
                    frame = NotebookFrames.broadcast(broadcast);
                }
                p.broadcastFrame(frame);
            }
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
