package io.runtimed.rooms;

import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.protocol.NotebookRequest;
import io.runtimed.protocol.NotebookResponse;
import java.util.List;

/**
 * What a typed-frame ("v2", KERNELS.md §1) peer of a room can ask and hear besides sync messages:
 * its requests' answers, the greeting after the first sync message, and fresh state after it
 * missed broadcasts.
 */
public interface TypedFramesHandler {

    /**
     * Answers one request. Runs on the peer's own request thread, one request at a time in the
     * order they came, so it may take long (a kernel launch) without stalling the peer's sync.
     * Must answer; a thrown exception is answered as an {@code error} result.
     */
    NotebookResponse answer(NotebookRequest request);

    /**
     * True if {@link #answer} returns at once for {@code request} (it never waits for a kernel, a
     * process or a timeout): the peer may then answer it on its reader thread when no earlier
     * request is pending, saving a thread hand-off on the way to the kernel.
     */
    default boolean answersAtOnce(NotebookRequest request) {
        return false;
    }

    /** §1.2 step 3: sent right after the first sync message (the room's live comms, if any). */
    List<NotebookBroadcast> greeting();

    /** §1.4 (ours): after a peer fell behind and missed broadcasts, the state it needs to catch up. */
    List<NotebookBroadcast> afterLag();
}
