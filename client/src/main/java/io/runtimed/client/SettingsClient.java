package io.runtimed.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Handshake;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.SyncMessageException;
import io.runtimed.sync.settings.SettingsDoc;
import io.runtimed.sync.settings.SettingsJson;
import io.runtimed.sync.settings.SyncedSettings;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live replica of the daemon's settings document (SETTINGS.md §9, PROTOCOL.md §6.2). Connecting
 * starts from an EMPTY document and syncs until the daemon has been quiet for 100 ms; from then on
 * a background thread applies whatever the daemon pushes (changes by other windows, hand edits of
 * settings.json) and answers it, so {@link #getAll()} is always current without polling.
 *
 * <p>Writes ({@link #set}) change the local replica and send one sync message without waiting;
 * {@link #awaitSynced} waits until the daemon has acknowledged them. Thread-safe. Close it: the
 * replica holds native memory that only {@link #close()} frees.
 */
public final class SettingsClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SettingsClient.class);
    /** PROTOCOL.md §7: the connect timeout of every reference client. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** PROTOCOL.md §6.2 step 5: the initial sync ends after this much silence. */
    public static final Duration QUIET_PERIOD = Duration.ofMillis(100);
    /**
     * The daemon speaks first (§6.1); the reference waits for it forever. A daemon that says nothing
     * for this long is reported instead of hanging the app.
     */
    public static final Duration FIRST_MESSAGE_TIMEOUT = Duration.ofSeconds(10);
    /** Writes to the daemon, which always reads, never take this long unless it is wedged. */
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
    private static final AtomicLong IDS = new AtomicLong();

    private final FrameChannel frames;
    private final DocumentOwner replica;
    private final SyncState state;
    /** Orders generation and sending, so messages leave in the order Automerge made them. */
    private final ReentrantLock sending = new ReentrantLock();
    private final ReentrantLock events = new ReentrantLock();
    private final Condition arrived = events.newCondition();
    private final List<Consumer<SyncedSettings>> listeners = new CopyOnWriteArrayList<>();
    private final Thread reader;
    /** Guarded by {@code events}. */
    private long framesReceived;
    private long changesReceived;
    private DaemonClientException failure;
    private boolean closed;

    private SettingsClient(FrameChannel frames) {
        this.frames = frames;
        this.replica = new DocumentOwner("settings replica", NativeHandles.newDocument());
        this.state = NativeHandles.newSyncState();
        this.reader = new Thread(this::readLoop, "settings-client-" + IDS.incrementAndGet());
        this.reader.setDaemon(true);
    }

    /** Connects to the default endpoint, {@code <cache>/runt/runtimed.sock}. */
    public static SettingsClient forDefaultSocket() throws DaemonClientException {
        return connect(RuntPaths.current().defaultSocket(), DEFAULT_CONNECT_TIMEOUT);
    }

    public static SettingsClient connect(Path socket) throws DaemonClientException {
        return connect(socket, DEFAULT_CONNECT_TIMEOUT);
    }

    /**
     * Connects, picks the {@code settings_sync} channel and runs the initial sync (§6.2): the
     * daemon's first message, then rounds until 100 ms pass without one.
     */
    public static SettingsClient connect(Path socket, Duration connectTimeout) throws DaemonClientException {
        FrameChannel frames = DaemonSocket.open(socket, new Handshake.SettingsSync(), connectTimeout);
        SettingsClient client = new SettingsClient(frames);
        try {
            client.reader.start();
            client.initialSync();
            return client;
        } catch (DaemonClientException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * SETTINGS.md §9 try_get_synced_settings: one snapshot from the daemon at the default endpoint,
     * or empty when none answers (the caller falls back to its own settings).
     */
    public static Optional<SyncedSettings> tryGetSyncedSettings() {
        return tryGetSyncedSettings(RuntPaths.current().defaultSocket());
    }

    /** {@link #tryGetSyncedSettings()} for a given socket. */
    public static Optional<SyncedSettings> tryGetSyncedSettings(Path socket) {
        try (SettingsClient c = connect(socket)) {
            return Optional.of(c.getAll());
        } catch (DaemonClientException e) {
            LOG.debug("no synced settings: {}", e.getMessage());
            return Optional.empty();
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
                            "Sync protocol error: no message from the daemon within "
                                    + FIRST_MESSAGE_TIMEOUT.toSeconds() + " s");
                }
                arrived.awaitNanos(left);
            }
            // §6.2 step 5: each frame restarts the quiet period; 100 ms of silence ends the sync
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

    // ---- reading ----

    /** The §2 snapshot of the local replica. */
    public SyncedSettings getAll() {
        return replica.read(SettingsDoc::snapshot);
    }

    /** The settings as settings.json's tree (without {@code $schema}): the snapshot plus section extras. */
    public ObjectNode getAllJson() {
        return replica.read(SettingsJson::tree);
    }

    /** A Str value by key; a dotted key reads inside its section (the reference client reads ROOT keys only). */
    public Optional<String> get(String key) {
        return replica.read(doc -> SettingsDoc.get(doc, key));
    }

    /** The List at a dotted key (its Str elements), or empty when there is none. */
    public Optional<List<String>> getList(String key) {
        return replica.read(doc -> SettingsDoc.getList(doc, key));
    }

    // ---- writing ----

    /** §3 put, then one sync message to the daemon (not waiting for its answer). */
    public void set(String key, String value) throws DaemonClientException {
        replica.change(tx -> SettingsDoc.put(tx, key, value));
        sendPending();
    }

    /** §3 put_list (whole-list replacement); the key must be dotted, e.g. {@code uv.default_packages}. */
    public void set(String key, List<String> values) throws DaemonClientException {
        requireDotted(key);
        replica.change(tx -> SettingsDoc.putList(tx, key, values));
        sendPending();
    }

    /**
     * §3 put_value: a JSON string is put, a JSON array is put as a list of its strings, anything
     * else changes nothing. Returns whether something was written.
     *
     * @throws IllegalArgumentException for an array under an undotted key ("list key must be dotted")
     */
    public boolean setValue(String key, JsonNode value) throws DaemonClientException {
        if (value.isArray()) {
            requireDotted(key);
        }
        boolean[] wrote = new boolean[1];
        replica.change(tx -> wrote[0] = SettingsDoc.putValue(tx, key, value));
        sendPending();
        return wrote[0];
    }

    private static void requireDotted(String key) {
        if (key.indexOf('.') < 0) {
            throw new IllegalArgumentException("list key must be dotted");
        }
    }

    /**
     * Waits until the daemon has acknowledged everything this replica holds (its changes reached the
     * daemon, which persists before it answers). False if the time ran out first.
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

    /**
     * Waits until the snapshot satisfies {@code condition} (checked now and after every change the
     * daemon pushes); empty if the time ran out first.
     */
    public Optional<SyncedSettings> waitFor(Predicate<SyncedSettings> condition, Duration timeout)
            throws DaemonClientException {
        SyncedSettings[] last = new SyncedSettings[1];
        boolean met = waitUntil(() -> condition.test(last[0] = getAll()), timeout);
        return met ? Optional.of(last[0]) : Optional.empty();
    }

    /**
     * Waits until {@code condition} (which may read this client) holds, re-checked after every frame
     * the daemon sends and after the listeners have seen it; a null timeout waits for as long as
     * the daemon stays connected.
     */
    public boolean waitUntil(BooleanSupplier condition, Duration timeout) throws DaemonClientException {
        long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
        events.lock();
        try {
            while (!condition.getAsBoolean()) {
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
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            events.unlock();
        }
    }

    /**
     * Like the reference's recv_changes: waits for the next change the daemon pushes and returns the
     * fresh snapshot; empty if none came in time.
     */
    public Optional<SyncedSettings> nextChange(Duration timeout) throws DaemonClientException {
        long after;
        events.lock();
        try {
            after = changesReceived;
        } finally {
            events.unlock();
        }
        boolean changed = waitUntil(() -> changesReceived > after, timeout);
        return changed ? Optional.of(getAll()) : Optional.empty();
    }

    /**
     * Calls {@code listener} with a fresh snapshot after every change the daemon pushes (other
     * windows, hand edits), on the client's reader thread: keep it short. Close the result to stop.
     */
    public AutoCloseable subscribe(Consumer<SyncedSettings> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Whether the daemon is still connected. */
    public boolean isConnected() {
        events.lock();
        try {
            return failure == null && !closed;
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
                events.lock();
                try {
                    framesReceived++;
                    if (changed) {
                        changesReceived++;
                    }
                } finally {
                    events.unlock();
                }
                if (changed && !listeners.isEmpty()) {
                    SyncedSettings now = getAll();
                    for (Consumer<SyncedSettings> l : listeners) {
                        try {
                            l.accept(now);
                        } catch (RuntimeException e) {
                            LOG.warn("a settings listener failed", e);
                        }
                    }
                }
                // waiters wake after the listeners, so a condition a listener makes true is seen
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

    /** Sends the message Automerge has for the daemon, if any. */
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

    /** Under {@code events}: a disconnected client reports it rather than waiting forever. */
    private void throwIfFailed() throws DaemonClientException {
        if (closed) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Disconnected: client closed");
        }
        if (failure != null) {
            throw new DaemonClientException(failure.kind(), failure.getMessage(), failure);
        }
    }

    /** Disconnects and frees the replica and its sync state (exactly once). */
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
        // one step under the replica's lock: a straggling reader then finds the replica closed
        // before it could touch the freed state
        replica.underLock(() -> {
            NativeHandles.free(state);
            replica.close();
        });
    }
}
