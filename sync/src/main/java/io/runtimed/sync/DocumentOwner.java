package io.runtimed.sync;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.Patch;
import org.automerge.PatchLog;
import org.automerge.Read;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of an Automerge document. Everything that touches the document goes through here,
 * under one lock that is held for a whole transaction (an open {@link Transaction} is not
 * thread-safe, and while it is open the document refuses to save or generate: notes pitfall 4),
 * and the document is freed exactly once, by {@link #close()}.
 *
 * <p>Sync states belong to their peers, but they are only ever used under this lock: generating
 * and receiving touch the document and the state together.
 *
 * <p>With a {@link Journal} attached (the daemon's rooms), every change is handed to the journal
 * under the same lock hold that made it (a kernel's outputs, {@link #changeOutputsOnly}, a moment
 * later: {@link #stageDeferred}). {@link #generateOutgoing} then tags each message with the
 * journal ticket its heads need, and {@link #awaitDurable(long)} lets the sender hold the message
 * until the journal reports that ticket durable: no sync message ever leaves with heads that a
 * crash could lose, yet generation (and with it the order of a peer's sync state) never waits for
 * the disk, so a burst of messages shares one fsync.
 *
 * <p>{@link #changeEventually} is for edits the daemon derives from elsewhere (a kernel's outputs):
 * they are staged and made durable like any other, but a message does not wait for them, so a
 * window sees an output as soon as it is in the document, not an fsync later. A peer's change, and
 * every daemon edit made with {@link #change}, is still never announced before it is durable; a
 * message that carries both waits for both (tickets are ordered).
 */
public final class DocumentOwner implements AutoCloseable {
    /** The logger, made on first use: a client's replica owns a document too, and a one-shot command logs nothing. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(DocumentOwner.class);
    }
    /** A disk this slow is broken: generation goes ahead (logged) rather than stall every peer. */
    private static final long DURABLE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** Where a changed document's new changes go to be made durable. */
    public interface Journal {
        /**
         * Called under the owner's lock right after the document changed: takes what is new and
         * returns a ticket that {@link DocumentOwner#durableUpTo} will later report (0: nothing new).
         * {@code heads} are the document's heads now, which the owner knows already (one call into
         * the library fewer on a change's way to the peers).
         */
        long stage(Document doc, ChangeHash[] heads);

        /**
         * As {@link #stage(Document, ChangeHash[])}; {@code urgent}: someone waits for this change to
         * be durable (a peer's edit), else it is one peers may hear of first (a kernel's output),
         * which a journal may keep back a little to write with others.
         */
        default long stage(Document doc, ChangeHash[] heads, boolean urgent) {
            return stage(doc, heads);
        }
    }

    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition durableMoved = lock.newCondition();
    private Document doc;
    // guarded by lock
    private Journal journal;
    /** The highest ticket a generated message must wait for (changes made eventually do not raise it). */
    private long stagedTicket;
    private long durableTicket;
    /** Changes committed or received since this owner took the document (see {@link #version}). */
    private long version;
    /** As {@link #version}, without the changes made with {@link #changeOutputsOnly}. */
    private long structureVersion;
    /**
     * The heads as the last {@link #receive} left them, null when unknown (after a commit): the
     * next receive then needs one native call less to tell whether it changed anything.
     */
    private ChangeHash[] receivedHeads;
    /**
     * The heads left by a {@link #changeOutputsOnly} that is not handed to the journal yet (see
     * {@link #stageDeferred}); null when everything is staged.
     */
    private ChangeHash[] unstagedHeads;
    /** The {@link #version} those heads belong to: a later change or receive staged them already. */
    private long unstagedVersion;

    /** Takes ownership of {@code doc}: from now on only this owner touches or frees it. */
    public DocumentOwner(String name, Document doc) {
        this.name = name;
        this.doc = doc;
    }

    public String name() {
        return name;
    }

    /** From now on every change is staged in {@code journal} and generation waits for it to be durable. */
    public void attachJournal(Journal journal) {
        lock.lock();
        try {
            this.journal = journal;
        } finally {
            lock.unlock();
        }
    }

    /** The journal's writer: everything staged with a ticket up to {@code ticket} is durable now. */
    public void durableUpTo(long ticket) {
        lock.lock();
        try {
            if (ticket > durableTicket) {
                durableTicket = ticket;
                durableMoved.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under the lock, after a change that left {@code heads}: hands it to the journal (if any);
     * {@code awaited}: messages wait for it.
     */
    private void staged(Document d, ChangeHash[] heads, boolean awaited) {
        // a journal takes everything since what it took last: a deferred change goes along
        unstagedHeads = null;
        if (journal != null) {
            long ticket = journal.stage(d, heads, awaited);
            if (awaited && ticket > stagedTicket) {
                stagedTicket = ticket;
            }
        }
    }

    /**
     * The document's version: it grows by exactly one with every change committed or received
     * through this owner, so equal versions mean the same document. Only under the lock (inside
     * {@link #read} or {@link #change}), where it stays true while the caller holds it.
     */
    public long version() {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("version() outside the " + this + "'s lock");
        }
        return version;
    }

    /**
     * The document's structure version: as {@link #version}, but an edit made with
     * {@link #changeOutputsOnly} does not count, so equal structure versions mean that every
     * cell's id, type and source, and their order, are what they were. Only under the lock.
     */
    public long structureVersion() {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("structureVersion() outside the " + this + "'s lock");
        }
        return structureVersion;
    }

    /** Under the lock: the document may differ from what anyone saw before (its version moves on). */
    private void moved() {
        moved(true);
    }

    /** As {@link #moved()}; {@code structure}: the structure version moves on too. */
    private void moved(boolean structure) {
        version++;
        if (structure) {
            structureVersion++;
        }
        receivedHeads = null;
    }

    /** Whether everything staged up to {@code ticket} is durable already (a message with it may go now). */
    public boolean isDurable(long ticket) {
        lock.lock();
        try {
            return durableTicket >= ticket;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until everything staged up to {@code ticket} is durable (at once without a journal).
     * A disk that takes longer than 30 s is broken: the wait ends (logged) rather than stall peers.
     */
    public void awaitDurable(long ticket) {
        lock.lock();
        try {
            long left = DURABLE_WAIT_NANOS;
            while (durableTicket < ticket) {
                if (left <= 0) {
                    Log.LOG.warn("the {} is not durable after {} s; sending anyway", this,
                            TimeUnit.NANOSECONDS.toSeconds(DURABLE_WAIT_NANOS));
                    return;
                }
                try {
                    left = durableMoved.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** A generated sync message and the journal ticket that must be durable before it is sent. */
    public record Outgoing(byte[] message, long ticket) {
    }

    /**
     * The next sync message for the peer that owns {@code state}, tagged with the ticket of
     * everything the document holds: send it only after {@link #awaitDurable(long)} of that ticket.
     */
    public Optional<Outgoing> generateOutgoing(SyncState state) {
        lock.lock();
        try {
            long ticket = stagedTicket;
            return open().generateSyncMessage(state).map(m -> new Outgoing(m, ticket));
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code reader} on the document under the lock; it must not keep what it is given. */
    public <T> T read(Function<Read, T> reader) {
        lock.lock();
        try {
            return reader.apply(open());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code edit} in one transaction under the lock and commits it; an exception rolls it
     * back. Returns true when a change was committed (an edit that wrote nothing commits nothing).
     */
    public boolean change(Consumer<Transaction> edit) {
        return change(edit, true, false);
    }

    /**
     * As {@link #change}, for an edit that peers may hear of before it is durable: it is staged
     * (and so durable within the journal's next write), but no message waits for it. For what the
     * daemon derives from elsewhere, never for a peer's edit.
     */
    public boolean changeEventually(Consumer<Transaction> edit) {
        return change(edit, false, false);
    }

    /**
     * As {@link #changeEventually}, for an edit that writes nothing but cells' outputs and
     * execution counts (a kernel's outputs): it leaves the {@link #structureVersion} as it is, so
     * what a reader saw of the cells' ids, types, sources and order stays true. The caller vouches
     * for that.
     *
     * <p>The change reaches the journal at the caller's {@link #stageDeferred}, made once the
     * peers' messages are generated (or with the next change, receive or flush, whichever comes
     * first): encoding it for the disk is then no longer on its way to the windows.
     */
    public boolean changeOutputsOnly(Consumer<Transaction> edit) {
        return change(edit, false, true);
    }

    /**
     * Hands the journal what {@link #changeOutputsOnly} left unstaged, if anything (a change or
     * receive since then took it along already).
     */
    public void stageDeferred() {
        lock.lock();
        try {
            if (unstagedHeads != null && doc != null) {
                ChangeHash[] heads = unstagedVersion == version ? unstagedHeads : doc.getHeads();
                staged(doc, heads, false);
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean change(Consumer<Transaction> edit, boolean awaited, boolean outputsOnly) {
        lock.lock();
        try {
            Transaction tx = open().startTransaction();
            boolean committed = false;
            try {
                edit.accept(tx);
                committed = true;
                Optional<ChangeHash> commit = tx.commit();
                if (commit.isPresent()) {
                    moved(!outputsOnly);
                    // a local change depends on every head the document had (it was locked all
                    // along), so it is now the only one
                    ChangeHash[] heads = {commit.get()};
                    if (outputsOnly && journal != null) {
                        unstagedHeads = heads;
                        unstagedVersion = version;
                    } else {
                        staged(doc, heads, awaited);
                    }
                }
                return commit.isPresent();
            } catch (RuntimeException | Error e) {
                // rolled back below, or a commit that failed half way: nobody may take the
                // document for the one before (the counters only ever cost a re-read)
                moved();
                throw e;
            } finally {
                if (!committed) {
                    tx.rollback();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Applies a peer's sync message with the peer's state. Returns true when it changed the
     * document (its heads moved); a message that only acknowledges or asks changes nothing.
     */
    public boolean receive(SyncState state, byte[] message) throws SyncMessageException {
        lock.lock();
        try {
            return receiveLocked(state, message, null);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A receive that changed the document: its {@link #version} before and after, and Automerge's
     * patches of what changed, in order.
     */
    public record Received(long before, long after, List<Patch> patches) {
    }

    /**
     * As {@link #receive}, recording what the message changed (for a reader that keeps a view of
     * the document current without reading it whole). Null when nothing changed.
     */
    public Received receiveWithPatches(SyncState state, byte[] message) throws SyncMessageException {
        lock.lock();
        PatchLog log = new PatchLog();
        try {
            long before = version;
            if (!receiveLocked(state, message, log)) {
                return null;
            }
            return new Received(before, version, open().makePatches(log));
        } finally {
            log.free();
            lock.unlock();
        }
    }

    private boolean receiveLocked(SyncState state, byte[] message, PatchLog log) throws SyncMessageException {
        Document d = open();
        ChangeHash[] before = receivedHeads != null ? receivedHeads : d.getHeads();
        receivedHeads = null;
        try {
            if (log == null) {
                d.receiveSyncMessage(state, message);
            } else {
                d.receiveSyncMessage(state, log, message);
            }
        } catch (RuntimeException e) {
            moved(); // whatever it left behind, nobody may take the document for the one before
            if (AutomergeErrors.isLibraryError(e)) {
                throw new SyncMessageException(e.getMessage());
            }
            throw e;
        }
        ChangeHash[] after = d.getHeads();
        boolean changed = !Arrays.equals(before, after);
        if (changed) {
            moved();
            staged(d, after, true);
        }
        receivedHeads = after;
        return changed;
    }

    /**
     * The next sync message for the peer that owns {@code state}, if Automerge has one to send.
     * With a journal, waits first until every change is durable (the message announces the heads);
     * a server that must not wait uses {@link #generateOutgoing}.
     */
    public Optional<byte[]> generate(SyncState state) {
        lock.lock();
        try {
            awaitDurable(stagedTicket);
            return open().generateSyncMessage(state);
        } finally {
            lock.unlock();
        }
    }

    /** The current heads, as a value that compares equal for equal heads. */
    public List<ChangeHash> heads() {
        return read(r -> List.of(r.getHeads()));
    }

    /**
     * Runs {@code work} on the whole document under the lock, for what needs more than reading in
     * one step (heads and a full save that must match). It must not start a transaction or
     * change the document in any other way.
     */
    public <T> T withDocument(Function<Document, T> work) {
        lock.lock();
        try {
            // rare (a save, a load's heads): counted as a change in case one ever makes one
            moved();
            return work.apply(open());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code work} under the lock whether or not the document is still open: peers free
     * their sync states this way, so that no generation for them can be running at that moment.
     */
    public void underLock(Runnable work) {
        lock.lock();
        try {
            work.run();
        } finally {
            lock.unlock();
        }
    }

    public boolean isOpen() {
        lock.lock();
        try {
            return doc != null;
        } finally {
            lock.unlock();
        }
    }

    /** Frees the document; later calls do nothing, later use throws {@link IllegalStateException}. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (doc != null) {
                NativeHandles.free(doc);
                doc = null;
            }
        } finally {
            lock.unlock();
        }
    }

    private Document open() {
        if (doc == null) {
            throw new IllegalStateException("the " + name + " document is closed");
        }
        return doc;
    }

    @Override
    public String toString() {
        return name + " document";
    }
}
