package io.runtimed.client;

import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Handshake;
import io.runtimed.protocol.MalformedMessageException;
import io.runtimed.protocol.NotebookFrames;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.SnapshotKeeper;
import io.runtimed.sync.SyncMessageException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.automerge.ChangeHash;
import org.automerge.Read;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sync client's live replica of a daemon document (PROTOCOL.md §6.2), shared by the settings
 * and notebook clients, which add only their document operations. It owns:
 * <ul>
 *   <li>the local replica, started EMPTY (§6.2 step 2) and freed exactly once by {@link #close()};
 *   <li>the connection and its one sync state, used only under the replica's lock;
 *   <li>the reader thread, which applies every frame the daemon sends and answers it;
 *   <li>the failure state: once the connection broke, every later call says so;
 *   <li>the listeners for remote changes, and the waits on what the reader brings.
 * </ul>
 *
 * <p><b>Acknowledgement.</b> Every sync message starts with its sender's heads
 * ({@link SyncMessageHeads}). The daemon persists a change before it generates anything for the
 * peer that sent it, so heads it announced to us name only changes it has stored. A local change
 * counts as stored once the last heads the daemon announced contain it: {@link #awaitStored}
 * waits until the replica holds nothing beyond them.
 *
 * <p><b>Typed frames.</b> Opened with a {@link TypedFrameSink}, the replica tells the daemon's
 * version from its first frame (KERNELS.md §1.2): the capabilities frame {@code {"protocol":"v2"}}
 * means every later frame carries a type byte; sync messages then travel in {@code 0x00} frames
 * both ways, and responses and broadcasts go to the sink. Any other first frame is a v1 daemon's
 * first sync message, and the connection stays plain.
 *
 * <p>Locks, always taken in this order: {@code sending} → {@code events}, {@code sending} →
 * replica, {@code events} → replica.
 *
 * @param <S> the document's snapshot type, handed to listeners and conditions
 */
final class SyncReplica<S> implements AutoCloseable {
    /**
     * The logger, made on first use: logging's set-up (logback's configurators, found through the
     * service loader) is tens of ms of a one-shot {@code runt settings} command that logs nothing.
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(SyncReplica.class);
    }
    /** PROTOCOL.md §6.2 step 5: the reference ends its initial sync after this much silence (we end it when caught up). */
    static final Duration QUIET_PERIOD = Duration.ofMillis(100);
    /**
     * The daemon speaks first (§6.1 step 1); the reference waits for it forever. A daemon that says
     * nothing for this long is reported instead of hanging the app.
     */
    static final Duration FIRST_MESSAGE_TIMEOUT = Duration.ofSeconds(10);
    /** Writes to the daemon, which always reads, never take this long unless it is wedged. */
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
    private static final AtomicLong IDS = new AtomicLong();

    private final String kind;
    private final FrameChannel frames;
    private final DocumentOwner replica;
    private final SyncState state;
    private final Function<Read, S> snapshot;
    /**
     * Null: listeners get a snapshot read whole after each change. Else the reader keeps theirs
     * current from each receive's patches (reader thread, under the replica's lock).
     */
    private final SnapshotKeeper<S> keeper;
    /** Orders generation and sending, so messages leave in the order Automerge made them. */
    private final ReentrantLock sending = new ReentrantLock();
    private final ReentrantLock events = new ReentrantLock();
    /** Signalled by the reader after each frame (after the listeners), on failure and on close. */
    private final Condition arrived = events.newCondition();
    private final List<Consumer<S>> listeners = new CopyOnWriteArrayList<>();
    private final Thread reader;
    /** Null for a connection that never speaks typed frames (settings). */
    private final TypedFrameSink sink;
    /** Set by the reader from the first frame, before any sync message is applied or sent. */
    private volatile boolean typed;
    /** Reader thread only. */
    private boolean firstFrameSeen;
    /** Set once {@link #initialSync} has returned: the reader stops recording {@link #heldHeads}. */
    private volatile boolean initialSyncOver;
    // guarded by events
    private long framesReceived;
    private long changesReceived;
    /** The heads of the daemon's latest message that had readable ones; null before the first. */
    private ChangeHash[] announced;
    /**
     * The replica's heads (hex) as of the reader's last accounted frame, during the initial sync:
     * what {@link #caughtUp} compares, rather than the replica itself, which the reader changes
     * before it has decided which listeners hear of the change. Read live, a connect could return
     * between the two, its caller subscribe, and the new listener be called with the initial
     * sync's own document.
     */
    private java.util.Set<String> heldHeads;
    private DaemonClientException failure;
    private boolean closed;

    /**
     * Where a typed-frame connection's non-sync frames go. Called on the reader thread, in arrival
     * order; implementations hand the bytes on and never block.
     */
    interface TypedFrameSink {
        /** The JSON payload of a {@code 0x02} frame. */
        void response(byte[] json);

        /** The JSON payload of a {@code 0x03} frame. */
        void broadcast(byte[] json);

        /** The connection broke or was closed; called once, after which no frame comes. */
        void disconnected(DaemonClientException why);
    }

    private SyncReplica(String kind, FrameChannel frames, Function<Read, S> snapshot, SnapshotKeeper<S> keeper,
                        TypedFrameSink sink) {
        this.kind = kind;
        this.sink = sink;
        this.frames = frames;
        this.snapshot = snapshot;
        this.keeper = keeper;
        this.replica = new DocumentOwner(kind + " replica", NativeHandles.newDocument());
        this.state = NativeHandles.newSyncState();
        this.reader = new Thread(this::readLoop, kind + "-client-" + IDS.incrementAndGet());
        this.reader.setDaemon(true);
    }

    /**
     * Connects, sends {@code handshake} and runs the initial sync (§6.2 steps 1–5). {@code kind}
     * names the reader thread ({@code settings-client-3}) and the replica in messages.
     */
    static <S> SyncReplica<S> open(String kind, Path socket, Handshake handshake, Duration connectTimeout,
                                   Function<Read, S> snapshot) throws DaemonClientException {
        return start(kind, DaemonSocket.open(socket, handshake, connectTimeout), snapshot);
    }

    /**
     * {@link #open} for a handshake that asks for typed frames: the first frame decides
     * ({@link #typedFrames()}), and responses and broadcasts go to {@code sink}. Listeners get
     * their snapshots from {@code keeper}.
     */
    static <S> SyncReplica<S> open(String kind, Path socket, Handshake handshake, Duration connectTimeout,
                                   Function<Read, S> snapshot, SnapshotKeeper<S> keeper, TypedFrameSink sink)
            throws DaemonClientException {
        return start(kind, DaemonSocket.open(socket, handshake, connectTimeout), snapshot, keeper, sink);
    }

    /** {@link #open} over a connection whose handshake was sent already. */
    static <S> SyncReplica<S> start(String kind, FrameChannel frames, Function<Read, S> snapshot)
            throws DaemonClientException {
        return start(kind, frames, snapshot, null, null);
    }

    private static <S> SyncReplica<S> start(String kind, FrameChannel frames, Function<Read, S> snapshot,
                                            SnapshotKeeper<S> keeper, TypedFrameSink sink) throws DaemonClientException {
        SyncReplica<S> r = new SyncReplica<>(kind, frames, snapshot, keeper, sink);
        try {
            r.reader.start();
            r.initialSync();
            return r;
        } catch (DaemonClientException | RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /** §6.2 steps 3–5: the daemon's first frame, then rounds until the replica has the daemon's heads. */
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
            // §6.2 waits for 100 ms without a frame; we wait for what that quiet stands for: the
            // replica holds exactly the heads the daemon announced. Before that, an edit could
            // create a second `cells` (or `uv`) next to the daemon's, and one of them would silently
            // lose (§6.2 step 2); after it, waiting longer only delays the window (a new notebook's
            // first result is meant to come back in milliseconds).
            while (!caughtUp()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    Log.LOG.warn("{} replica: the daemon's document has not arrived within {} s; going on",
                            kind, FIRST_MESSAGE_TIMEOUT.toSeconds());
                    return;
                }
                arrived.awaitNanos(left);
                throwIfFailed();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Disconnected", e);
        } finally {
            initialSyncOver = true;
            events.unlock();
        }
    }

    /**
     * Under {@code events}, before any local edit: whether the replica, as of the reader's last
     * accounted frame, holds exactly the heads the daemon last announced (hashes compared by their
     * bytes: decoded ones are another subclass).
     */
    private boolean caughtUp() {
        ChangeHash[] heads = announced;
        return heads != null && heldHeads != null && heldHeads.equals(hex(heads));
    }

    private static java.util.Set<String> hex(ChangeHash[] heads) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (ChangeHash h : heads) {
            out.add(java.util.HexFormat.of().formatHex(h.getBytes()));
        }
        return out;
    }

    // ---- the document ----

    /** Runs {@code reader} on the replica under its lock. */
    <T> T read(Function<Read, T> reader) {
        return replica.read(reader);
    }

    S snapshot() {
        return replica.read(snapshot);
    }

    /** Reader thread: the snapshot for the listeners after a change ({@code received}: its patches, or null). */
    private S listenersSnapshot(DocumentOwner.Received received) {
        if (keeper == null) {
            return snapshot();
        }
        return replica.read(doc -> received == null
                ? keeper.read(doc, replica.version())
                : keeper.afterReceive(doc, replica.version(), received));
    }

    /**
     * Applies {@code edit} to the replica in one transaction and sends the message Automerge then
     * has for the daemon. When one was sent and {@code replyWait} is not zero, waits that long for
     * the daemon's next frame (the notebook client's sync_to_daemon, NOTEBOOK.md §8; no frame in
     * time is fine). Returns whether the edit committed a change.
     *
     * @throws DaemonClientException when the connection is broken or closed (before editing), or
     *                               breaks while sending
     */
    boolean change(Consumer<Transaction> edit, Duration replyWait) throws DaemonClientException {
        throwIfFailedNow();
        long before = framesReceived();
        boolean changed = replica.change(edit);
        if (changed && sendPending() && !replyWait.isZero()) {
            waitUntil(() -> framesReceived > before, replyWait);
        }
        return changed;
    }

    // ---- acknowledgement ----

    /**
     * Waits until every change made on this replica so far is contained in heads the daemon
     * announced, i.e. the daemon has stored it. False if {@code timeout} ran out first.
     */
    boolean awaitStored(Duration timeout) throws DaemonClientException {
        return waitUntil(this::storedByDaemon, timeout);
    }

    /**
     * Under {@code events}: whether the replica has no change beyond the last announced heads. Every
     * change the daemon sent us is below the heads of the message that carried it, so only local
     * changes can be beyond them. Heads we do not hold yet are ignored by {@code encodeChangesSince}
     * (the binding treats unknown hashes as absent), which can only make the answer "not yet": the
     * daemon's next messages bring those changes, and the check is repeated after each one.
     */
    private boolean storedByDaemon() {
        ChangeHash[] heads = announced;
        if (heads == null || closed) {
            return false;
        }
        return replica.withDocument(doc -> doc.encodeChangesSince(heads).length == 0);
    }

    // ---- what the daemon brings ----

    /**
     * Waits until {@code condition} holds, re-checked after every frame the daemon sends (after the
     * listeners have seen it); a null timeout waits for as long as the daemon stays connected.
     * False if the time ran out (or the thread was interrupted) first.
     *
     * @throws DaemonClientException when the connection breaks or the client is closed meanwhile
     */
    boolean waitUntil(BooleanSupplier condition, Duration timeout) throws DaemonClientException {
        long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
        events.lock();
        try {
            while (true) {
                if (closed) {
                    throwIfFailed(); // the replica is (being) freed: conditions must not read it
                }
                if (condition.getAsBoolean()) {
                    return true;
                }
                throwIfFailed();
                if (timeout == null) {
                    arrived.await();
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                arrived.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            events.unlock();
        }
    }

    /** Waits until the snapshot satisfies {@code condition}; empty on timeout. */
    Optional<S> waitFor(Predicate<S> condition, Duration timeout) throws DaemonClientException {
        AtomicReference<S> last = new AtomicReference<>();
        boolean met = waitUntil(() -> {
            S now = snapshot();
            last.set(now);
            return condition.test(now);
        }, timeout);
        return met ? Optional.of(last.get()) : Optional.empty();
    }

    /** Waits for the next frame that changes the replica (recv_changes); false on timeout. */
    boolean awaitNextChange(Duration timeout) throws DaemonClientException {
        long after;
        events.lock();
        try {
            after = changesReceived;
        } finally {
            events.unlock();
        }
        return waitUntil(() -> changesReceived > after, timeout);
    }

    /** Calls {@code listener} with a fresh snapshot after every remote change, on the reader thread. */
    AutoCloseable subscribe(Consumer<S> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    boolean isConnected() {
        events.lock();
        try {
            return failure == null && !closed;
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
                if (!firstFrameSeen) {
                    firstFrameSeen = true;
                    // KERNELS.md §1.2: a v2 daemon's plain first frame; a v1 daemon's is a sync message
                    if (sink != null && NotebookFrames.isCapabilities(frame)) {
                        typed = true;
                        continue;
                    }
                }
                if (typed) {
                    NotebookFrames.Typed t = NotebookFrames.decode(frame);
                    switch (t.type()) {
                        case AUTOMERGE_SYNC -> frame = t.payload();
                        case RESPONSE -> {
                            sink.response(t.payload());
                            continue;
                        }
                        case BROADCAST -> {
                            sink.broadcast(t.payload());
                            continue;
                        }
                        case REQUEST -> {
                            // §1.4: the daemon logs and ignores a frame of the wrong direction; so do we
                            Log.LOG.debug("{}: ignoring a request frame from the daemon", kind);
                            continue;
                        }
                    }
                }
                // with listeners to call, what the frame changed is recorded for their snapshot
                DocumentOwner.Received received = null;
                boolean changed;
                if (keeper != null && !listeners.isEmpty() && keeper.worthPatching()) {
                    received = replica.receiveWithPatches(state, frame);
                    changed = received != null;
                } else {
                    changed = replica.receive(state, frame);
                }
                Optional<ChangeHash[]> heads = SyncMessageHeads.read(frame);
                if (heads.isEmpty()) {
                    Log.LOG.debug("{}: a frame without readable heads (type 0x{})", kind,
                            frame.length == 0 ? "--" : Integer.toHexString(frame[0] & 0xff));
                }
                // the listeners subscribed when the change was applied: one added after (e.g. the
                // moment the initial sync's waiter, woken below, returns) must not hear of it
                List<Consumer<S>> toCall = changed ? List.copyOf(listeners) : List.of();
                java.util.Set<String> held = initialSyncOver ? null : replica.read(doc -> hex(doc.getHeads()));
                events.lock();
                try {
                    if (held != null) {
                        heldHeads = held;
                    }
                    framesReceived++;
                    if (changed) {
                        changesReceived++;
                    }
                    // the daemon's document only grows: a later announcement replaces an earlier one
                    heads.ifPresent(h -> announced = h);
                    if (toCall.isEmpty()) {
                        // no listener can still add to what waiters see: they look now, while the
                        // reply below is made (on two cores, in parallel)
                        arrived.signalAll();
                    }
                } finally {
                    events.unlock();
                }
                if (!toCall.isEmpty()) {
                    S now = listenersSnapshot(received);
                    for (Consumer<S> l : toCall) {
                        try {
                            l.accept(now);
                        } catch (RuntimeException e) {
                            Log.LOG.warn("a {} listener failed", kind, e);
                        }
                    }
                }
                // §6.2 step 7: answer every frame; this also sends local changes Automerge held back
                // (and any a listener just made). After the listeners: a window shows a change before
                // it acknowledges it, and the daemon's work on the answer does not compete with the
                // showing. The reader is busy with the listeners either way, so no incoming frame waits
                // longer; a slow listener delays the answer (and local changes held back with it).
                sendPending();
                // (again) after the listeners, so a condition a listener makes true is seen
                events.lock();
                try {
                    arrived.signalAll();
                } finally {
                    events.unlock();
                }
            }
        } catch (SyncMessageException e) {
            fail(new DaemonClientException(DaemonClientException.Kind.PROTOCOL,
                    "Sync protocol error: " + e.getMessage(), e));
        } catch (MalformedMessageException e) {
            // §1.3: an empty frame or an unknown type byte ends the connection
            fail(new DaemonClientException(DaemonClientException.Kind.PROTOCOL,
                    "Protocol error: " + e.getMessage(), e));
        } catch (DaemonClientException e) {
            fail(e); // sendPending recorded it already
        } catch (ClosedChannelException e) {
            fail(new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Disconnected", e));
        } catch (IOException e) {
            fail(new DaemonClientException(DaemonClientException.Kind.PROTOCOL,
                    "Disconnected: " + e.getMessage(), e));
        } catch (IllegalStateException e) {
            // the replica was freed by close()
            fail(new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Disconnected", e));
        }
    }

    /** Sends the message Automerge has for the daemon, if any; true when one was sent. */
    private boolean sendPending() throws DaemonClientException {
        sending.lock();
        try {
            Optional<byte[]> message = replica.generate(state);
            if (message.isEmpty()) {
                return false;
            }
            frames.writeFrame(typed ? NotebookFrames.sync(message.get()) : message.get(), WRITE_TIMEOUT);
            return true;
        } catch (IOException e) {
            throw disconnected(e);
        } finally {
            sending.unlock();
        }
    }

    /** Whether the daemon answered with the capabilities frame, so requests and broadcasts work. */
    boolean typedFrames() {
        return typed;
    }

    /**
     * Writes one already-typed frame (a {@code 0x01} request) between sync messages, never inside
     * one.
     *
     * @throws DaemonClientException when the connection is broken or closed, or breaks while sending
     */
    void sendTyped(byte[] frame) throws DaemonClientException {
        throwIfFailedNow();
        sending.lock();
        try {
            frames.writeFrame(frame, WRITE_TIMEOUT);
        } catch (IOException e) {
            throw disconnected(e);
        } finally {
            sending.unlock();
        }
    }

    /** A write failed: the replica is broken from now on; the exception for the caller. */
    private DaemonClientException disconnected(IOException e) {
        DaemonClientException failed = new DaemonClientException(DaemonClientException.Kind.PROTOCOL,
                "Disconnected: " + e.getMessage(), e);
        fail(failed);
        return failed;
    }

    private void fail(DaemonClientException e) {
        boolean first;
        events.lock();
        try {
            first = failure == null;
            if (first) {
                failure = e;
            }
            arrived.signalAll();
        } finally {
            events.unlock();
        }
        if (first && sink != null) {
            sink.disconnected(e);
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

    /** Under {@code events}: a disconnected client reports it rather than waiting forever. */
    private void throwIfFailed() throws DaemonClientException {
        if (closed) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Disconnected: client closed");
        }
        if (failure != null) {
            throw new DaemonClientException(failure.kind(), failure.getMessage(), failure);
        }
    }

    /** Disconnects, stops the reader and frees the replica and its sync state (exactly once). */
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
        if (sink != null) {
            sink.disconnected(new DaemonClientException(DaemonClientException.Kind.PROTOCOL,
                    "Disconnected: client closed"));
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
        // one step under the replica's lock: a straggling reader then finds the replica closed
        // before it could touch the freed state
        replica.underLock(() -> {
            NativeHandles.free(state);
            replica.close();
        });
    }
}
