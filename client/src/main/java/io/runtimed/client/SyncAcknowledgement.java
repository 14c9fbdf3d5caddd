package io.runtimed.client;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * When a sync client may consider everything it holds acknowledged by the daemon, shared by the
 * settings and notebook clients. Automerge's {@code isInSync} is the first answer; but the protocol
 * can stall with a message of the daemon's "in flight" and nothing new on our side, so that it never
 * turns true. The daemon persists every change it applies before it answers, whether or not it
 * answers; so once it answered our last message and the line has been quiet for a while, everything
 * we sent has been applied and stored.
 */
final class SyncAcknowledgement {
    /** How long the connection must be quiet before a stalled exchange counts as acknowledged. */
    static final Duration STALL_QUIET = Duration.ofSeconds(1);
    /** How long to wait for an answer before looking again. */
    static final Duration NUDGE = Duration.ofMillis(200);

    /** Sends what Automerge still has for the daemon; true if it sent a message. */
    interface Sender {
        boolean sendPending() throws DaemonClientException;
    }

    /** Waits up to {@code timeout} for a frame beyond {@code seen}. */
    interface FrameWait {
        void awaitFrameAfter(long seen, Duration timeout) throws DaemonClientException;
    }

    private SyncAcknowledgement() {
    }

    /**
     * @param inSync             Automerge's view for this connection
     * @param framesReceived     frames received so far
     * @param receivedAtLastSend frames received when our last message went out
     */
    static boolean await(BooleanSupplier inSync, Sender sender, LongSupplier framesReceived,
                         LongSupplier receivedAtLastSend, FrameWait frameWait, Duration timeout)
            throws DaemonClientException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long lastFrames = framesReceived.getAsLong();
        long quietSince = System.nanoTime();
        while (true) {
            if (inSync.getAsBoolean()) {
                return true;
            }
            boolean sent = sender.sendPending();
            long frames = framesReceived.getAsLong();
            long now = System.nanoTime();
            if (sent || frames != lastFrames) {
                lastFrames = frames;
                quietSince = now;
            }
            if (!sent && frames > receivedAtLastSend.getAsLong() && now - quietSince >= STALL_QUIET.toNanos()) {
                return true;
            }
            long left = deadline - now;
            if (left <= 0) {
                return false;
            }
            frameWait.awaitFrameAfter(frames, Duration.ofNanos(Math.min(left, NUDGE.toNanos())));
        }
    }
}
