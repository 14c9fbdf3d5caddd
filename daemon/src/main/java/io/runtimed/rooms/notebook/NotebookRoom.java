package io.runtimed.rooms.notebook;

import io.runtimed.execution.Kernels;
import io.runtimed.execution.RoomEvents;
import io.runtimed.execution.RoomKernel;
import io.runtimed.ipynb.NotebookFile;
import io.runtimed.ipynb.NotebookFileService;
import io.runtimed.ipynb.NotebookFiles;
import io.runtimed.outputs.OutputBlobs;
import io.runtimed.paths.NotebookDocFiles;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.rooms.DocumentStore;
import io.runtimed.rooms.SyncRoom;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.notebook.NotebookDoc;
import io.runtimed.sync.notebook.NotebookSnapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open notebook (NOTEBOOK.md §5): its document, its {@link SyncRoom} of peers and its
 * {@link DocumentStore}. Every change is staged for the store's writer as it is made, and no peer
 * (the sender included) is sent heads before they are fsynced, so everything the daemon ever
 * announced survives a crash (§6, the SHOULD: write before replying).
 */
public final class NotebookRoom implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NotebookRoom.class);
    /** A disk this slow is broken; a daemon-side edit goes on anyway and the delay is logged. */
    private static final Duration DURABLE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PEERS_LEAVE_TIMEOUT = Duration.ofSeconds(5);

    private final String notebookId;
    private final DocumentOwner owner;
    private final DocumentStore store;
    private final SyncRoom sync;
    private final NotebookRequests requests;
    /** Empty in a daemon that runs no kernels (tests of sync alone). */
    private final Optional<RoomKernel> kernel;
    /** Where outputs are stored; empty with {@link #kernel}. */
    private final Optional<OutputBlobs> blobs;
    /** The .ipynb file of a path-backed room in a daemon that keeps files in step; set once, at open. */
    private volatile NotebookFile file;
    private boolean closed;

    private NotebookRoom(String notebookId, DocumentOwner owner, DocumentStore store, Kernels kernels) {
        this.notebookId = notebookId;
        this.owner = owner;
        this.store = store;
        this.sync = new SyncRoom(owner, this::edited);
        this.requests = new NotebookRequests(this);
        this.kernel = kernels == null ? Optional.empty() : Optional.of(new RoomKernel(notebookId, new Events(), kernels));
        this.blobs = kernels == null ? Optional.empty() : Optional.of(kernels.outputBlobs());
    }

    /** What the room's kernel reaches of the room. */
    private final class Events implements RoomEvents {
        @Override
        public DocumentOwner owner() {
            return owner;
        }

        @Override
        public void documentChanged() {
            sync.broadcastGenerated();
            // the peers' messages are on their way: now the change is encoded for the disk
            owner.stageDeferred();
            edited();
        }

        @Override
        public void announce(NotebookBroadcast broadcast) {
            sync.announce(broadcast);
        }

        @Override
        public void cellFinished() {
            owner.stageDeferred();
            store.writeSoon();
        }
    }

    /** §7: loads the room's file from {@code docsDir} (or starts a fresh document). */
    public static NotebookRoom open(String notebookId, Path docsDir, DocumentStore.Compaction compaction) {
        return open(notebookId, docsDir, compaction, null, null);
    }

    /** As {@link #open(String, Path, DocumentStore.Compaction)}, with a kernel slot when {@code kernels} is given. */
    public static NotebookRoom open(String notebookId, Path docsDir, DocumentStore.Compaction compaction,
                                    Kernels kernels, NotebookFileService files) {
        Path file = NotebookDocFiles.fileFor(docsDir, notebookId);
        NotebookStore.Loaded loaded = NotebookStore.load(file, notebookId);
        DocumentOwner owner = new DocumentOwner("notebook " + shortName(file), loaded.doc());
        try {
            DocumentStore store = new DocumentStore(file, owner,
                    loaded.onDisk() ? owner.withDocument(d -> d.getHeads()) : null, loaded.fileBytes(), compaction,
                    "notebook-" + shortName(file),
                    kernels == null ? () -> { } : kernels.outputBlobs().store()::commitDeferred);
            NotebookRoom room = new NotebookRoom(notebookId, owner, store, kernels);
            // KERNELS.md §9.4 (ours): a notebook's file is in the document before its first sync message
            if (files != null) {
                room.file = NotebookFile.open(notebookId, owner, files, room.sync::broadcast, file).orElse(null);
            } else {
                NotebookFiles.loadIfEmpty(notebookId, owner, room.blobs.orElse(null));
            }
            return room;
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    private static String shortName(Path file) {
        return file.getFileName().toString().substring(0, 8);
    }

    Optional<OutputBlobs> blobs() {
        return blobs;
    }

    Optional<NotebookFile> file() {
        return Optional.ofNullable(file);
    }

    /** Any change of the document (a peer's, the daemon's): the file is due to be autosaved. */
    private void edited() {
        NotebookFile f = file;
        if (f != null) {
            f.changed();
        }
    }

    public String notebookId() {
        return notebookId;
    }

    /**
     * Serves one {@code notebook_sync} peer on the calling thread until it disconnects; a
     * typed-frame peer can also make requests and hears the room's broadcasts (KERNELS.md §1).
     */
    public void serve(String label, FrameChannel frames, boolean typedFrames) throws IOException {
        sync.serve(label, frames, typedFrames ? requests : null);
    }

    public NotebookSnapshot snapshot() {
        return owner.read(NotebookDoc::snapshot);
    }

    /** The document owner, for daemon-side edits (then {@link #changed()}). */
    public DocumentOwner owner() {
        return owner;
    }

    /** After a daemon-side edit (staged as it was made): wait for the disk, then tell every peer. */
    public void changed() {
        if (!store.flush(DURABLE_TIMEOUT)) {
            LOG.warn("notebook {}: a daemon-side edit did not reach the disk", notebookId);
        }
        sync.broadcast();
        edited();
    }

    public Optional<RoomKernel> kernel() {
        return kernel;
    }

    /** §6.5 in a room without kernels: outputs emptied, count reset, windows told. */
    void clearOutputsWithoutKernel(String cellId) {
        if (owner.change(tx -> {
            NotebookDoc.setOutputs(tx, cellId, java.util.List.of());
            NotebookDoc.setExecutionCount(tx, cellId, NotebookDoc.NO_EXECUTION_COUNT);
        })) {
            sync.broadcast();
        }
        sync.announce(new NotebookBroadcast.OutputsCleared(cellId));
    }

    /** KERNELS.md §3: tells every typed-frame peer of the room. */
    public void announce(NotebookBroadcast broadcast) {
        sync.announce(broadcast);
    }

    /** After a daemon-side edit: every peer is sent it (each after it is durable, as always). */
    public void documentChanged() {
        sync.broadcast();
        edited();
    }

    public DocumentStore store() {
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
        // the kernel stops first (§4.4): its last outputs still reach the document
        kernel.ifPresent(RoomKernel::close);
        sync.close(PEERS_LEAVE_TIMEOUT);
        NotebookFile f = file;
        if (f != null) {
            // the last edits reach the .ipynb file before the document is freed
            f.close();
        }
        store.close();
        owner.close();
    }
}
