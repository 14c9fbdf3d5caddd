package io.runtimed.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.Handshake;
import io.runtimed.sync.settings.SettingsDoc;
import io.runtimed.sync.settings.SettingsJson;
import io.runtimed.sync.settings.SyncedSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live replica of the daemon's settings document (SETTINGS.md §9, PROTOCOL.md §6.2). Connecting
 * starts from an EMPTY document and syncs until the daemon has been quiet for 100 ms; from then on
 * a background thread applies whatever the daemon pushes (changes by other windows, hand edits of
 * settings.json) and answers it, so {@link #getAll()} is always current without polling.
 *
 * <p>Writes ({@link #set}) change the local replica and send one sync message without waiting;
 * {@link #awaitSynced} waits until heads the daemon announced contain them (so it has stored
 * them). Thread-safe. Close it: the replica holds native memory that only {@link #close()} frees.
 */
public final class SettingsClient implements AutoCloseable {
    /**
     * The logger, made on first use: logging's set-up (logback's configurators, found through the
     * service loader) is tens of ms of a one-shot {@code runt settings} command that logs nothing.
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(SettingsClient.class);
    }
    /** PROTOCOL.md §7: the connect timeout of every reference client. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** PROTOCOL.md §6.2 step 5: the initial sync ends after this much silence. */
    public static final Duration QUIET_PERIOD = SyncReplica.QUIET_PERIOD;
    /**
     * The daemon speaks first (§6.1); the reference waits for it forever. A daemon that says nothing
     * for this long is reported instead of hanging the app.
     */
    public static final Duration FIRST_MESSAGE_TIMEOUT = SyncReplica.FIRST_MESSAGE_TIMEOUT;

    private final SyncReplica<SyncedSettings> replica;

    private SettingsClient(SyncReplica<SyncedSettings> replica) {
        this.replica = replica;
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
        return new SettingsClient(SyncReplica.open("settings", socket, new Handshake.SettingsSync(), connectTimeout,
                SettingsDoc::snapshot));
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
            Log.LOG.debug("no synced settings: {}", e.getMessage());
            return Optional.empty();
        }
    }

    // ---- reading ----

    /** The §2 snapshot of the local replica. */
    public SyncedSettings getAll() {
        return replica.snapshot();
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

    // ---- writing (§9: one sync message, no waiting for the reply) ----

    /** §3 put, then one sync message to the daemon (not waiting for its answer). */
    public void set(String key, String value) throws DaemonClientException {
        replica.change(tx -> SettingsDoc.put(tx, key, value), Duration.ZERO);
    }

    /** §3 put_list (whole-list replacement); the key must be dotted, e.g. {@code uv.default_packages}. */
    public void set(String key, List<String> values) throws DaemonClientException {
        requireDotted(key);
        replica.change(tx -> SettingsDoc.putList(tx, key, values), Duration.ZERO);
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
        replica.change(tx -> wrote[0] = SettingsDoc.putValue(tx, key, value), Duration.ZERO);
        return wrote[0];
    }

    private static void requireDotted(String key) {
        if (key.indexOf('.') < 0) {
            throw new IllegalArgumentException("list key must be dotted");
        }
    }

    /**
     * Waits until the daemon has stored every change made through this client: until heads it
     * announced contain them all. False if the time ran out first.
     */
    public boolean awaitSynced(Duration timeout) throws DaemonClientException {
        return replica.awaitStored(timeout);
    }

    // ---- changes from the daemon ----

    /**
     * Waits until the snapshot satisfies {@code condition} (checked now and after every change the
     * daemon pushes); empty if the time ran out first.
     */
    public Optional<SyncedSettings> waitFor(Predicate<SyncedSettings> condition, Duration timeout)
            throws DaemonClientException {
        return replica.waitFor(condition, timeout);
    }

    /**
     * Waits until {@code condition} (which may read this client) holds, re-checked after every frame
     * the daemon sends and after the listeners have seen it; a null timeout waits for as long as
     * the daemon stays connected.
     */
    public boolean waitUntil(BooleanSupplier condition, Duration timeout) throws DaemonClientException {
        return replica.waitUntil(condition, timeout);
    }

    /**
     * Like the reference's recv_changes: waits for the next change the daemon pushes and returns the
     * fresh snapshot; empty if none came in time.
     */
    public Optional<SyncedSettings> nextChange(Duration timeout) throws DaemonClientException {
        return replica.awaitNextChange(timeout) ? Optional.of(getAll()) : Optional.empty();
    }

    /**
     * Calls {@code listener} with a fresh snapshot after every change the daemon pushes (other
     * windows, hand edits), on the client's reader thread: keep it short. Close the result to stop.
     */
    public AutoCloseable subscribe(Consumer<SyncedSettings> listener) {
        return replica.subscribe(listener);
    }

    /** Whether the daemon is still connected. */
    public boolean isConnected() {
        return replica.isConnected();
    }

    /** Disconnects and frees the replica and its sync state (exactly once). */
    @Override
    public void close() {
        replica.close();
    }
}
