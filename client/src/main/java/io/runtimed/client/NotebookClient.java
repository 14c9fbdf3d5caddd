package io.runtimed.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Handshake;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.SyncMessageException;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.sync.notebook.NotebookDoc;
import io.runtimed.sync.notebook.NotebookSnapshot;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A window's live replica of one notebook room (NOTEBOOK.md §8, PROTOCOL.md §6.2). Joining starts
 * from an EMPTY document and syncs until the daemon has been quiet for 100 ms; from then on a
 * background thread applies whatever the daemon pushes (other windows' edits) and answers it, and
 * listeners get a fresh snapshot after each change.
 *
 * <p>Every edit is applied to the local replica, then sent (sync_to_daemon); like the reference it
 * then waits up to 500 ms for the daemon's next frame. {@link #awaitSynced} waits until the
 * daemon holds (and, because it persists before it answers, has on disk) every local change.
 * Thread-safe. Close it ("leave"): the replica holds native memory that only {@link #close()}
 * frees.
 */
public final class NotebookClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NotebookClient.class);
    /** PROTOCOL.md §7. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** PROTOCOL.md §6.2 step 5. */
    public static final Duration QUIET_PERIOD = Duration.ofMillis(100);
    /** PROTOCOL.md §6.2 step 6: how long a write waits for the daemon's answer. */
    public static final Duration ACK_WAIT = Duration.ofMillis(500);
    /** The reference waits forever for the daemon's first frame; a wedged daemon is reported instead. */
    public static final Duration FIRST_MESSAGE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
    private static final AtomicLong IDS = new AtomicLong();

    private final String notebookId;
    private final FrameChannel frames;
    private final DocumentOwner replica;
    private final SyncState state;
    private final ReentrantLock sending = new ReentrantLock();
    private final ReentrantLock events = new ReentrantLock();
    private final Condition arrived = events.newCondition();
    private final List<Consumer<NotebookSnapshot>> listeners = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private final Duration ackWait;
    // guarded by events
    private long framesReceived;
    private long changesReceived;
    private DaemonClientException failure;
    private boolean closed;

    private NotebookClient(String notebookId, FrameChannel frames, Duration ackWait) {
        this.notebookId = notebookId;
        this.frames = frames;
        this.ackWait = ackWait;
        this.replica = new DocumentOwner("notebook replica", NativeHandles.newDocument());
        this.state = NativeHandles.newSyncState();
        this.reader = new Thread(this::readLoop, "notebook-client-" + IDS.incrementAndGet());
        this.reader.setDaemon(true);
    }

    /** Joins the room of {@code notebookId} on the default socket. */
    public static NotebookClient join(String notebookId) throws DaemonClientException {
        return join(RuntPaths.current().defaultSocket(), notebookId);
    }

    public static NotebookClient join(Path socket, String notebookId) throws DaemonClientException {
        return join(socket, notebookId, DEFAULT_CONNECT_TIMEOUT, ACK_WAIT);
    }

    /**
     * Connects, picks {@code notebook_sync} for {@code notebookId} and runs the initial sync
     * (§6.2): the daemon's first message, then rounds until 100 ms pass without one. {@code ackWait}
     * is how long each edit waits for the daemon's answer (zero: do not wait, as for bulk edits).
     */
    public static NotebookClient join(Path socket, String notebookId, Duration connectTimeout, Duration ackWait)
            throws DaemonClientException {
        FrameChannel frames = DaemonSocket.open(socket, new Handshake.NotebookSync(notebookId), connectTimeout);
        NotebookClient client = new NotebookClient(notebookId, frames, ackWait);
        try {
            client.reader.start();
            client.initialSync();
            return client;
        } catch (DaemonClientException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private void initialSync() throws DaemonClientException {
        long deadline = System.nanoTime() + FIRST_MESSAGE_TIMEOUT.toNanos();
        events.lock();
        try {
            while (framesReceived == 0) {
                throwIfFailed();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL,
                            "Connection timeout: no message from the daemon within "
                                    + FIRST_MESSAGE_TIMEOUT.toSeconds() + " s");
                }
                arrived.awaitNanos(left);
            }
            long seen = -1;
            while (seen != framesReceived) {
                seen = framesReceived;
                long quietEnd = System.nanoTime() + QUIET_PERIOD.toNanos();
                long left;
                while (seen == framesReceived && (left = quietEnd - System.nanoTime()) > 0) {
                    throwIfFailed();
                    arrived.awaitNanos(left);
                }
                throwIfFailed();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Disconnected", e);
        } finally {
            events.unlock();
        }
    }

    public String notebookId() {
        return notebookId;
    }

    // ---- reading (§2) ----

    public List<NotebookCell> getCells() {
        return replica.read(NotebookDoc::cells);
    }

    public Optional<NotebookCell> getCell(String id) {
        return replica.read(doc -> NotebookDoc.cell(doc, id));
    }

    public NotebookSnapshot snapshot() {
        return replica.read(NotebookDoc::snapshot);
    }

    public ObjectNode toJson() {
        return NotebookDoc.toJson(snapshot());
    }

    public Optional<String> getMetadata(String key) {
        return replica.read(doc -> NotebookDoc.getMetadata(doc, key));
    }

    // ---- writing (§3 applied locally, then sync_to_daemon) ----

    /** add_cell; creates {@code cells} at ROOT if the replica has none (§3, client side). Returns the index used. */
    public int addCell(int index, String id, String cellType) throws DaemonClientException {
        int[] at = new int[1];
        edit(tx -> at[0] = NotebookDoc.addCell(tx, index, id, cellType, true));
        return at[0];
    }

    public void deleteCell(String id) throws DaemonClientException {
        requireFound(id, editReturning(tx -> NotebookDoc.deleteCell(tx, id)));
    }

    /** Moves a cell (delete + equal copy; see {@link NotebookDoc#moveCell}). */
    public void moveCell(String id, int index) throws DaemonClientException {
        requireFound(id, editReturning(tx -> NotebookDoc.moveCell(tx, id, index)));
    }

    /** update_source by a minimal splice (code points), so other windows' concurrent edits merge. */
    public void updateSource(String id, String text) throws DaemonClientException {
        NotebookDoc.SourceUpdate[] result = new NotebookDoc.SourceUpdate[1];
        boolean changed = replica.change(tx -> result[0] = NotebookDoc.updateSource(tx, id, text));
        checkSource(id, result[0]);
        if (changed) {
            syncToDaemon();
        }
    }

    /** A keystroke at a known position: {@code start}, {@code deleteCount} in code points. */
    public void spliceSource(String id, long start, long deleteCount, String insert) throws DaemonClientException {
        NotebookDoc.SourceUpdate[] result = new NotebookDoc.SourceUpdate[1];
        boolean changed = replica.change(tx -> result[0] = NotebookDoc.spliceSource(tx, id, start, deleteCount, insert));
        checkSource(id, result[0]);
        if (changed) {
            syncToDaemon();
        }
    }

    /** Appends to the end of a cell's source as it is at that moment (e.g. text streamed in). */
    public void appendSource(String id, String insert) throws DaemonClientException {
        NotebookDoc.SourceUpdate[] result = new NotebookDoc.SourceUpdate[1];
        boolean changed = replica.change(tx -> result[0] = NotebookDoc.appendSource(tx, id, insert));
        checkSource(id, result[0]);
        if (changed) {
            syncToDaemon();
        }
    }

    public void setExecutionCount(String id, String count) throws DaemonClientException {
        requireFound(id, editReturning(tx -> NotebookDoc.setExecutionCount(tx, id, count)));
    }

    public void setOutputs(String id, List<String> outputs) throws DaemonClientException {
        requireFound(id, editReturning(tx -> NotebookDoc.setOutputs(tx, id, outputs)));
    }

    /** Extension (§8 MAY): append_output. */
    public void appendOutput(String id, String output) throws DaemonClientException {
        requireFound(id, editReturning(tx -> NotebookDoc.appendOutput(tx, id, output)));
    }

    /** Extension (§8 MAY): clear_outputs. */
    public void clearOutputs(String id) throws DaemonClientException {
        requireFound(id, editReturning(tx -> NotebookDoc.clearOutputs(tx, id)));
    }

    /** Extension (§8 MAY): set_metadata on the notebook. */
    public void setMetadata(String key, String value) throws DaemonClientException {
        edit(tx -> NotebookDoc.setMetadata(tx, key, value));
    }

    /** A Str key in the cell's own Map. */
    public void setCellMetadata(String id, String key, String value) throws DaemonClientException {
        requireFound(id, editReturning(tx -> NotebookDoc.setCellMetadata(tx, id, key, value)));
    }

    public Optional<String> getCellMetadata(String id, String key) {
        return replica.read(doc -> NotebookDoc.getCellMetadata(doc, id, key));
    }

    private void edit(Consumer<Transaction> change) throws DaemonClientException {
        throwIfFailedNow();
        if (replica.change(change)) {
            syncToDaemon();
        }
    }

    private boolean editReturning(java.util.function.Function<Transaction, Boolean> change) throws DaemonClientException {
        throwIfFailedNow();
        boolean[] found = new boolean[1];
        if (replica.change(tx -> found[0] = change.apply(tx))) {
            syncToDaemon();
        }
        return found[0];
    }

    private static void requireFound(String id, boolean found) throws DaemonClientException {
        if (!found) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Cell not found: " + id);
        }
    }

    private static void checkSource(String id, NotebookDoc.SourceUpdate result) throws DaemonClientException {
        if (result == NotebookDoc.SourceUpdate.CELL_NOT_FOUND) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Cell not found: " + id);
        }
        if (result == NotebookDoc.SourceUpdate.SOURCE_NOT_TEXT) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL,
                    "Sync protocol error: source Text not found");
        }
    }

    /** §8 sync_to_daemon: send one message if any, then wait up to the ack wait for one frame. */
    private void syncToDaemon() throws DaemonClientException {
        long before = framesReceived();
        if (sendPending() && !ackWait.isZero()) {
            waitUntil(() -> framesReceived > before, ackWait);
        }
    }

    /**
     * Waits until the daemon has acknowledged everything this replica holds (and so has it on
     * disk: the daemon persists before it answers). False if the time ran out first.
     */
    public boolean awaitSynced(Duration timeout) throws DaemonClientException {
        return SyncAcknowledgement.await(() -> replica.withDocument(doc -> state.isInSync(doc)), this::sendPending,
                this::framesReceivedNow, () -> receivedAtLastSend,
                (seen, wait) -> waitUntil(() -> framesReceived != seen, wait), timeout);
    }

    private long framesReceivedNow() {
        events.lock();
        try {
            return framesReceived;
        } finally {
            events.unlock();
        }
    }

    /** Frames received when our last message was sent; guarded by {@code sending}. */
    private volatile long receivedAtLastSend;


    // ---- changes from the daemon ----

    /** Waits until the snapshot satisfies {@code condition}, re-checked after every frame; empty on timeout. */
    public Optional<NotebookSnapshot> waitFor(Predicate<NotebookSnapshot> condition, Duration timeout)
            throws DaemonClientException {
        NotebookSnapshot[] last = new NotebookSnapshot[1];
        boolean met = waitUntil(() -> condition.test(last[0] = snapshot()), timeout);
        return met ? Optional.of(last[0]) : Optional.empty();
    }

    /** recv_changes: waits for the next change the daemon pushes and returns the fresh cells; empty on timeout. */
    public Optional<List<NotebookCell>> recvChanges(Duration timeout) throws DaemonClientException {
        long after;
        events.lock();
        try {
            after = changesReceived;
        } finally {
            events.unlock();
        }
        return waitUntil(() -> changesReceived > after, timeout) ? Optional.of(getCells()) : Optional.empty();
    }

    /** Calls {@code listener} with a fresh snapshot after every pushed change, on the reader thread. Close to stop. */
    public AutoCloseable subscribe(Consumer<NotebookSnapshot> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    public boolean isConnected() {
        events.lock();
        try {
            return failure == null && !closed;
        } finally {
            events.unlock();
        }
    }

    private boolean waitUntil(BooleanSupplier condition, Duration timeout) throws DaemonClientException {
        long deadline = System.nanoTime() + timeout.toNanos();
        events.lock();
        try {
            while (!condition.getAsBoolean()) {
                throwIfFailed();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                arrived.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            events.unlock();
        }
    }

    private long framesReceived() {
        events.lock();
        try {
            return framesReceived;
        } finally {
            events.unlock();
        }
    }

    // ---- the connection ----

    private void readLoop() {
        try {
            while (true) {
                byte[] frame = frames.readFrame(Frames.DATA_MAX);
                if (frame == null) {
                    fail(new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Disconnected"));
                    return;
                }
                boolean changed = replica.receive(state, frame);
                sendPending();
                if (changed && !listeners.isEmpty()) {
                    NotebookSnapshot now = snapshot();
                    for (Consumer<NotebookSnapshot> l : listeners) {
                        try {
                            l.accept(now);
                        } catch (RuntimeException e) {
                            LOG.warn("a notebook listener failed", e);
                        }
                    }
                }
                events.lock();
                try {
                    framesReceived++;
                    if (changed) {
                        changesReceived++;
                    }
                    arrived.signalAll();
                } finally {
                    events.unlock();
                }
            }
        } catch (SyncMessageException e) {
            fail(new DaemonClientException(DaemonClientException.Kind.PROTOCOL,
                    "Sync protocol error: " + e.getMessage(), e));
        } catch (ClosedChannelException e) {
            fail(new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Disconnected", e));
        } catch (IOException e) {
            fail(new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Disconnected: " + e.getMessage(), e));
        } catch (IllegalStateException e) {
            fail(new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Disconnected", e));
        }
    }

    /** Sends the message Automerge has for the daemon, if any; true when one was sent. */
    private boolean sendPending() throws DaemonClientException {
        sending.lock();
        try {
            Optional<byte[]> message = replica.generate(state);
            if (message.isPresent()) {
                receivedAtLastSend = framesReceivedNow();
                frames.writeFrame(message.get(), WRITE_TIMEOUT);
                return true;
            }
            return false;
        } catch (IOException e) {
            DaemonClientException failed = new DaemonClientException(DaemonClientException.Kind.PROTOCOL,
                    "Disconnected: " + e.getMessage(), e);
            fail(failed);
            throw failed;
        } finally {
            sending.unlock();
        }
    }

    private void fail(DaemonClientException e) {
        events.lock();
        try {
            if (failure == null) {
                failure = e;
            }
            arrived.signalAll();
        } finally {
            events.unlock();
        }
    }

    private void throwIfFailedNow() throws DaemonClientException {
        events.lock();
        try {
            throwIfFailed();
        } finally {
            events.unlock();
        }
    }

    private void throwIfFailed() throws DaemonClientException {
        if (closed) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Disconnected: client closed");
        }
        if (failure != null) {
            throw new DaemonClientException(failure.kind(), failure.getMessage(), failure);
        }
    }

    /** Leaves the room: disconnects and frees the replica and its sync state (exactly once). */
    @Override
    public void close() {
        events.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            arrived.signalAll();
        } finally {
            events.unlock();
        }
        try {
            frames.close();
        } catch (IOException ignored) {
            // already closed
        }
        if (reader.isAlive() && Thread.currentThread() != reader) {
            try {
                reader.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        replica.underLock(() -> {
            NativeHandles.free(state);
            replica.close();
        });
    }
}
