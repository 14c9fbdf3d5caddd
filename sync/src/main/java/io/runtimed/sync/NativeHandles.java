package io.runtimed.sync;

import java.util.concurrent.atomic.AtomicLong;
import org.automerge.Document;
import org.automerge.SyncState;

/**
 * Every Automerge {@link Document} and {@link SyncState} this process creates and frees goes
 * through here. Both hold native memory that the garbage collector never returns (no cleaner, no
 * finalizer: notes/automerge-java.md pitfall 2), so the counts are how tests prove that every one
 * of them is freed, and how a leak would show in a thread dump's neighbour, the log.
 *
 * <p>Freeing exactly once is the caller's job (a {@link DocumentOwner} for documents, a peer for
 * its sync state); the counters only record it.
 */
public final class NativeHandles {
    private static final AtomicLong DOCUMENTS_CREATED = new AtomicLong();
    private static final AtomicLong DOCUMENTS_FREED = new AtomicLong();
    private static final AtomicLong SYNC_STATES_CREATED = new AtomicLong();
    private static final AtomicLong SYNC_STATES_FREED = new AtomicLong();

    private NativeHandles() {
    }

    /**
     * Loads the native library now (it is copied out of the jar and linked: tens of milliseconds),
     * so that a start-up warm-up thread can do it while the main thread does other work.
     */
    public static void loadLibrary() {
        // the binding's loader is package-private; its documents load it on first use
        free(newDocument());
    }

    /** A new, empty document (no keys, no history). */
    public static Document newDocument() {
        Document d = new Document();
        DOCUMENTS_CREATED.incrementAndGet();
        return d;
    }

    /**
     * A document decoded from a full save (or a save followed by appended change chunks).
     *
     * @throws DocumentDecodeException when the bytes are not an Automerge document
     */
    public static Document load(byte[] saved) throws DocumentDecodeException {
        Document d;
        try {
            d = Document.load(saved);
        } catch (RuntimeException e) {
            if (AutomergeErrors.isLibraryError(e)) {
                throw new DocumentDecodeException(e.getMessage());
            }
            throw e;
        }
        DOCUMENTS_CREATED.incrementAndGet();
        return d;
    }

    public static void free(Document d) {
        d.free();
        DOCUMENTS_FREED.incrementAndGet();
    }

    /** A fresh sync state: one per connection, never persisted, never shared (PROTOCOL.md §6). */
    public static SyncState newSyncState() {
        SyncState s = new SyncState();
        SYNC_STATES_CREATED.incrementAndGet();
        return s;
    }

    public static void free(SyncState s) {
        s.free();
        SYNC_STATES_FREED.incrementAndGet();
    }

    /** The counts so far; compare two of them with {@link Counts#minus}. */
    public static Counts counts() {
        return new Counts(DOCUMENTS_CREATED.get(), DOCUMENTS_FREED.get(), SYNC_STATES_CREATED.get(),
                SYNC_STATES_FREED.get());
    }

    /** Native handles created and freed by this process. */
    public record Counts(long documentsCreated, long documentsFreed, long syncStatesCreated, long syncStatesFreed) {
        public long liveDocuments() {
            return documentsCreated - documentsFreed;
        }

        public long liveSyncStates() {
            return syncStatesCreated - syncStatesFreed;
        }

        /** What happened between {@code earlier} and this. */
        public Counts minus(Counts earlier) {
            return new Counts(documentsCreated - earlier.documentsCreated, documentsFreed - earlier.documentsFreed,
                    syncStatesCreated - earlier.syncStatesCreated, syncStatesFreed - earlier.syncStatesFreed);
        }
    }
}
