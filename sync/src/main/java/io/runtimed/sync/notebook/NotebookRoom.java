package io.runtimed.sync.notebook;

import io.runtimed.protocol.FrameChannel;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.SyncRoom;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open notebook (NOTEBOOK.md §5): its document, its {@link SyncRoom} of peers and its
 * {@link NotebookStore}. A change from a peer is staged for the store's writer, the other peers
 * hear of it at once, and the sender is answered once the change is fsynced, so everything the
 * daemon acknowledged survives a crash (§6, the SHOULD: write before replying).
 */
public final class NotebookRoom implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NotebookRoom.class);
    /** A disk this slow is broken; the peer is answered anyway and the delay logged. */
    private static final Duration DURABLE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PEERS_LEAVE_TIMEOUT = Duration.ofSeconds(5);

    private final String notebookId;
    private final DocumentOwner owner;
    private final NotebookStore store;
    private final SyncRoom sync;
    private boolean closed;

    private NotebookRoom(String notebookId, DocumentOwner owner, NotebookStore store) {
        this.notebookId = notebookId;
        this.owner = owner;
        this.store = store;
        this.sync = new SyncRoom(owner, () -> {
            long seq = store.stage();
            return () -> {
                if (!store.awaitDurable(seq, DURABLE_TIMEOUT)) {
                    LOG.warn("notebook {}: answering a peer before its change reached the disk", notebookId);
                }
            };
        });
    }

    /** §7: loads the room's file from {@code docsDir} (or starts a fresh document). */
    public static NotebookRoom open(String notebookId, Path docsDir, NotebookStore.Compaction compaction) {
        Path file = NotebookStore.fileFor(docsDir, notebookId);
        NotebookStore.Loaded loaded = NotebookStore.load(file, notebookId);
        DocumentOwner owner = new DocumentOwner("notebook " + shortName(file), loaded.doc());
        try {
            NotebookStore store = new NotebookStore(file, owner,
                    loaded.onDisk() ? owner.withDocument(d -> d.getHeads()) : null, loaded.fileBytes(), compaction);
            return new NotebookRoom(notebookId, owner, store);
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    private static String shortName(Path file) {
        return file.getFileName().toString().substring(0, 8);
    }

    public String notebookId() {
        return notebookId;
    }

    /** Serves one {@code notebook_sync} peer on the calling thread until it disconnects. */
    public void serve(String label, FrameChannel frames) throws IOException {
        sync.serve(label, frames);
    }

    public NotebookSnapshot snapshot() {
        return owner.read(NotebookDoc::snapshot);
    }

    /** The document owner, for daemon-side edits (then {@link #changed()}). */
    public DocumentOwner owner() {
        return owner;
    }

    /** After a daemon-side edit: persist it and tell every peer. */
    public void changed() {
        store.flush(DURABLE_TIMEOUT);
        sync.broadcast();
    }

    public NotebookStore store() {
        return store;
    }

    /**
     * Drops any remaining peers, makes sure the file holds the whole document, and frees it
     * (exactly once).
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        sync.close(PEERS_LEAVE_TIMEOUT);
        store.close();
        owner.close();
    }
}
