package io.runtimed.execution;

import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.sync.DocumentOwner;

/** What a room's kernel reaches of its room: the document, its peers, and its broadcasts. */
public interface RoomEvents {
    DocumentOwner owner();

    /**
     * After a daemon-side edit of the document: every peer gets it (each once it is durable), then
     * an output change's journal staging is done ({@link DocumentOwner#stageDeferred}).
     */
    void documentChanged();

    /** KERNELS.md §3: to every typed-frame peer of the room. */
    void announce(NotebookBroadcast broadcast);

    /**
     * A cell's run ended: its outputs, kept back for the journal's group commit, are written now
     * (their result is with the windows already; the kernel is idle), without waiting for the disk.
     */
    default void cellFinished() {
    }
}
