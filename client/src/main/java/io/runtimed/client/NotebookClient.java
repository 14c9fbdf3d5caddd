package io.runtimed.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.Handshake;
import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.sync.notebook.NotebookDoc;
import io.runtimed.sync.notebook.NotebookSnapshot;
import io.runtimed.sync.notebook.NotebookSnapshots;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.automerge.Transaction;

/**
 * A window's live replica of one notebook room (NOTEBOOK.md §8, PROTOCOL.md §6.2). Joining starts
 * from an EMPTY document and syncs until the daemon has been quiet for 100 ms; from then on a
 * background thread applies whatever the daemon pushes (other windows' edits) and answers it, and
 * listeners get a fresh snapshot after each change.
 *
 * <p>Every edit is applied to the local replica, then sent (sync_to_daemon); like the reference it
 * then waits up to 500 ms for the daemon's next frame. {@link #awaitSynced} waits until heads the
 * daemon announced contain every local change (it persists before it announces them). Thread-safe.
 * Close it ("leave"): the replica holds native memory that only {@link #close()} frees.
 *
 * <p><b>Kernels (KERNELS.md §1–§3).</b> Joining asks for typed frames ({@code "protocol":"v2"}, as
 * the reference client always does) and tells the daemon's version from its first frame. With a
 * v2 daemon, {@link #kernel()} sends requests and {@link #addBroadcastListener} hears the room's
 * broadcasts; a v1 daemon syncs the document as before and the kernel API throws
 * {@code UNSUPPORTED}. Outputs are read from the document ({@link #outputs}) and resolved through
 * the blob store ({@link #resolvedOutputs}).
 */
public final class NotebookClient implements AutoCloseable {
    /** PROTOCOL.md §7. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** PROTOCOL.md §6.2 step 5. */
    public static final Duration QUIET_PERIOD = SyncReplica.QUIET_PERIOD;
    /** PROTOCOL.md §6.2 step 6: how long a write waits for the daemon's answer. */
    public static final Duration ACK_WAIT = Duration.ofMillis(500);
    /** The reference waits forever for the daemon's first frame; a wedged daemon is reported instead. */
    public static final Duration FIRST_MESSAGE_TIMEOUT = SyncReplica.FIRST_MESSAGE_TIMEOUT;

    /** Which framing to ask for in the handshake (KERNELS.md §1.1). */
    public enum Protocol {
        /** Plain Automerge frames (PROTOCOL.md §6): no requests, no broadcasts. */
        V1,
        /** Typed frames; a v1 daemon still answers with plain frames, and the client follows it. */
        V2
    }

    private final String notebookId;
    private final Path socket;
    private final SyncReplica<NotebookSnapshot> replica;
    private final Duration ackWait;
    private final NotebookRequests requests;
    private final NotebookKernel kernel;
    private volatile OutputResolver resolver;

    private NotebookClient(String notebookId, Path socket, SyncReplica<NotebookSnapshot> replica, Duration ackWait,
                           NotebookRequests requests) {
        this.notebookId = notebookId;
        this.socket = socket;
        this.replica = replica;
        this.ackWait = ackWait;
        this.requests = requests;
        this.kernel = new NotebookKernel(requests, replica.typedFrames(), NotebookKernel.REQUEST_TIMEOUT);
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
        return join(socket, notebookId, connectTimeout, ackWait, Protocol.V2);
    }

    /** {@link #join(Path, String, Duration, Duration)} asking for {@code protocol}, e.g. V1 as older apps do. */
    public static NotebookClient join(Path socket, String notebookId, Duration connectTimeout, Duration ackWait,
                                      Protocol protocol) throws DaemonClientException {
        Handshake.NotebookSync handshake = protocol == Protocol.V2
                ? Handshake.NotebookSync.typedFrames(notebookId)
                : new Handshake.NotebookSync(notebookId);
        NotebookRequests requests = new NotebookRequests();
        SyncReplica<NotebookSnapshot> replica;
        try {
            replica = SyncReplica.open("notebook", socket, handshake, connectTimeout, NotebookDoc::snapshot,
                    new NotebookSnapshots(), requests);
        } catch (DaemonClientException | RuntimeException e) {
            requests.disconnected(new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Disconnected", e));
            throw e;
        }
        requests.attach(replica::sendTyped);
        return new NotebookClient(notebookId, socket, replica, ackWait, requests);
    }

    public String notebookId() {
        return notebookId;
    }

    /** What the daemon speaks on this connection: V2 only if it sent the capabilities frame. */
    public Protocol protocol() {
        return replica.typedFrames() ? Protocol.V2 : Protocol.V1;
    }

    // ---- kernels (KERNELS.md §2, §3) ----

    /** The kernel requests of this connection, with the 30 s request timeout. */
    public NotebookKernel kernel() {
        return kernel;
    }

    /**
     * Calls {@code listener} with every broadcast of the room, in arrival order, on this client's
     * {@code notebook-broadcasts-N} thread (never the socket reader). Broadcasts are advisory
     * (§3): the document is the truth. Close the result to stop.
     */
    public AutoCloseable addBroadcastListener(Consumer<NotebookBroadcast> listener) {
        return requests.addBroadcastListener(listener);
    }

    /** The cell's {@code outputs} as the document holds them: manifest hashes or nbformat JSON (§8.3). */
    public List<String> outputs(String cellId) throws DaemonClientException {
        return getCell(cellId).map(NotebookCell::outputs).orElseThrow(
                () -> new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Cell not found: " + cellId));
    }

    /** The cell's outputs as nbformat objects, manifests fetched from the blob store over HTTP. */
    public List<ObjectNode> resolvedOutputs(String cellId) throws DaemonClientException {
        return outputResolver().resolveAll(outputs(cellId));
    }

    /** The resolver {@link #resolvedOutputs} uses: the daemon's blob store, with a cache. */
    public OutputResolver outputResolver() {
        OutputResolver r = resolver;
        if (r == null) {
            resolver = r = new OutputResolver(new BlobClient(socket));
        }
        return r;
    }

    // ---- reading (§2) ----

    public List<NotebookCell> getCells() {
        return replica.read(NotebookDoc::cells);
    }

    public Optional<NotebookCell> getCell(String id) {
        return replica.read(doc -> NotebookDoc.cell(doc, id));
    }

    public NotebookSnapshot snapshot() {
        return replica.snapshot();
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
        edit(tx -> result[0] = NotebookDoc.updateSource(tx, id, text));
        checkSource(id, result[0]);
    }

    /** A keystroke at a known position: {@code start}, {@code deleteCount} in code points. */
    public void spliceSource(String id, long start, long deleteCount, String insert) throws DaemonClientException {
        NotebookDoc.SourceUpdate[] result = new NotebookDoc.SourceUpdate[1];
        edit(tx -> result[0] = NotebookDoc.spliceSource(tx, id, start, deleteCount, insert));
        checkSource(id, result[0]);
    }

    /** Appends to the end of a cell's source as it is at that moment (e.g. text streamed in). */
    public void appendSource(String id, String insert) throws DaemonClientException {
        NotebookDoc.SourceUpdate[] result = new NotebookDoc.SourceUpdate[1];
        edit(tx -> result[0] = NotebookDoc.appendSource(tx, id, insert));
        checkSource(id, result[0]);
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

    /** §3 applied locally, then sync_to_daemon (§8): one message, then up to the ack wait for one frame. */
    private void edit(Consumer<Transaction> change) throws DaemonClientException {
        replica.change(change, ackWait);
    }

    private boolean editReturning(Function<Transaction, Boolean> change) throws DaemonClientException {
        boolean[] found = new boolean[1];
        edit(tx -> found[0] = change.apply(tx));
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

    /**
     * Waits until the daemon has stored every local change: until heads it announced contain them
     * all (it persists a change before it announces it). False if the time ran out first.
     */
    public boolean awaitSynced(Duration timeout) throws DaemonClientException {
        return replica.awaitStored(timeout);
    }

    // ---- changes from the daemon ----

    /** Waits until the snapshot satisfies {@code condition}, re-checked after every frame; empty on timeout. */
    public Optional<NotebookSnapshot> waitFor(Predicate<NotebookSnapshot> condition, Duration timeout)
            throws DaemonClientException {
        return replica.waitFor(condition, timeout);
    }

    /** recv_changes: waits for the next change the daemon pushes and returns the fresh cells; empty on timeout. */
    public Optional<List<NotebookCell>> recvChanges(Duration timeout) throws DaemonClientException {
        return replica.awaitNextChange(timeout) ? Optional.of(getCells()) : Optional.empty();
    }

    /** Calls {@code listener} with a fresh snapshot after every pushed change, on the reader thread. Close to stop. */
    public AutoCloseable subscribe(Consumer<NotebookSnapshot> listener) {
        return replica.subscribe(listener);
    }

    public boolean isConnected() {
        return replica.isConnected();
    }

    /** Leaves the room: disconnects and frees the replica and its sync state (exactly once). */
    @Override
    public void close() {
        replica.close();
    }
}
