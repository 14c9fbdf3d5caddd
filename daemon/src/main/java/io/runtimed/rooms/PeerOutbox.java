package io.runtimed.rooms;

import io.runtimed.sync.DocumentOwner;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What a {@link SyncPeer}'s sender writes next, and in which order: sync messages in the order they
 * were generated, responses in request order, broadcasts, and the "document changed" flag that
 * makes the sender generate. Every thread that has something for the peer puts it here; only the
 * sender takes.
 *
 * <p>Changes go ahead of the broadcasts that tell of them. The sender is told to generate before it
 * writes a broadcast when the document changed meanwhile, and a sync message that may be sent at
 * once ({@code sendable}: its heads are durable) goes ahead of the broadcasts waiting at the end of
 * the queue, never ahead of another sync message or a response. One that must wait for the disk (a
 * peer's edit it carries) stays behind them: broadcasts never wait for an fsync. Each broadcast is
 * overtaken once at most, by a generation and by a queued message, so a stream of changes cannot
 * hold broadcasts back.
 *
 * <p>A peer more than {@link SyncPeer#BROADCAST_BACKLOG} broadcasts behind misses the rest; once it
 * has caught up with the queue the sender is told to send fresh state ({@link Catch#CATCH_UP}).
 */
final class PeerOutbox {
    /** What the sender does next: a queued {@link Write}, or a {@link Catch}. */
    sealed interface Step {
    }

    /** A queued write. */
    sealed interface Write extends Step {
    }

    /** A generated sync message: written once its heads are durable. */
    record SyncWrite(DocumentOwner.Outgoing message) implements Write {
    }

    /** A ready typed frame; {@code seq} numbers broadcasts as they are queued (0 for a response). */
    record FrameWrite(byte[] frame, boolean broadcast, long seq) implements Write {
    }

    /** What the sender does when there is nothing to write first. */
    enum Catch implements Step {
        /** Generate a sync message for the peer (the document changed). */
        GENERATE,
        /** Send the state of the broadcasts it missed. */
        CATCH_UP,
        /** The peer is leaving. */
        STOP
    }

    private final int backlog;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    // guarded by lock
    private final ArrayDeque<Write> queue = new ArrayDeque<>();
    private int queuedBroadcasts;
    /** Broadcasts ever queued: the last one's number. */
    private long broadcastsQueued;
    /** The highest-numbered broadcast a queued message went ahead of. */
    private long overtakenUpTo;
    /** The broadcast the sender was last told to generate ahead of. */
    private long generatedAheadOf;
    private boolean lagged;
    private boolean changed;
    private boolean stopping;

    PeerOutbox(int backlog) {
        this.backlog = backlog;
    }

    /** A generated message, in generation order (the caller generates and queues in one hold). */
    void addSync(DocumentOwner.Outgoing message, boolean sendable) {
        lock.lock();
        try {
            ArrayDeque<Write> overtaken = new ArrayDeque<>();
            while (sendable && queue.peekLast() instanceof FrameWrite f && f.broadcast() && f.seq() > overtakenUpTo) {
                overtaken.addFirst(queue.pollLast());
            }
            if (!overtaken.isEmpty()) {
                overtakenUpTo = ((FrameWrite) overtaken.peekLast()).seq();
            }
            queue.add(new SyncWrite(message));
            queue.addAll(overtaken);
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /** A response, after everything queued before it. Dropped once the peer is leaving. */
    void addResponse(byte[] frame) {
        lock.lock();
        try {
            if (stopping) {
                return;
            }
            queue.add(new FrameWrite(frame, false, 0));
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /** A broadcast; dropped (and fresh state sent later) when the peer lags, or once it is leaving. */
    void addBroadcast(byte[] frame) {
        lock.lock();
        try {
            if (stopping) {
                return;
            }
            if (queuedBroadcasts >= backlog) {
                lagged = true;
                return;
            }
            queuedBroadcasts++;
            queue.add(new FrameWrite(frame, true, ++broadcastsQueued));
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The document changed: the sender generates soon (notifications coalesce). */
    void changed() {
        lock.lock();
        try {
            changed = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The peer is leaving: the sender's next {@link #take} is {@link Catch#STOP}. */
    void stop() {
        lock.lock();
        try {
            stopping = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The sender's next step, waiting until there is one. */
    Step take() {
        lock.lock();
        try {
            while (queue.isEmpty() && !changed && !lagged && !stopping) {
                wake.awaitUninterruptibly();
            }
            return nextLocked();
        } finally {
            lock.unlock();
        }
    }

    /** As {@link #take}, without waiting: null when there is nothing to do. */
    Step poll() {
        lock.lock();
        try {
            return queue.isEmpty() && !changed && !lagged && !stopping ? null : nextLocked();
        } finally {
            lock.unlock();
        }
    }

    private Step nextLocked() {
        if (stopping) {
            return Catch.STOP;
        }
        Write next;
        if (changed && queue.peek() instanceof FrameWrite f && f.broadcast() && f.seq() > generatedAheadOf) {
            generatedAheadOf = f.seq();
            next = null;
        } else {
            next = queue.poll();
        }
        if (next instanceof FrameWrite f && f.broadcast()) {
            queuedBroadcasts--;
        }
        if (next != null) {
            return next;
        }
        if (changed) {
            changed = false;
            return Catch.GENERATE;
        }
        lagged = false; // nothing queued, not changed: only a lag woke the sender
        return Catch.CATCH_UP;
    }
}
