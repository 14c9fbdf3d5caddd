package io.runtimed.rooms.settings;

import io.runtimed.sync.settings.SettingsDoc;
import io.runtimed.sync.settings.SettingsJson;
import io.runtimed.sync.settings.SyncedSettings;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.rooms.DocumentStore;
import io.runtimed.rooms.SyncRoom;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's one settings document and everything around it (SETTINGS.md §5-§8): loaded at
 * start, served to every {@code settings_sync} peer through one {@link SyncRoom}, persisted by a
 * {@link DocumentStore} (appended and fsynced before any peer hears of a change), mirrored to
 * settings.json by a {@link SettingsMirror} on its own thread after the peers were told (at most
 * {@link #MIRROR_DELAY} later, one rewrite for a burst), and fed
 * hand edits of settings.json by a {@link SettingsWatcher}.
 */
public final class SettingsRoom implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SettingsRoom.class);
    /** How long closing waits for peers to let go of their sync states. */
    private static final Duration PEERS_LEAVE_TIMEOUT = Duration.ofSeconds(5);
    /** settings.automerge is small: appended changes are folded into a full save past 64 KiB and 2× its size. */
    static final DocumentStore.Compaction COMPACTION = new DocumentStore.Compaction(2.0, 64 * 1024);
    /**
     * settings.json follows a peer's change this much later: a burst of changes (a slider dragged, a
     * script setting ten keys) costs one rewrite instead of one per change, and the rewrite (three
     * fsynced files) does not compete for the cores with the changes still arriving (issue 16: with
     * a rewrite per change, the daemon's share of a settings change was 1.3x a notebook's).
     */
    static final Duration MIRROR_DELAY = Duration.ofMillis(50);

    private final DocumentOwner owner;
    private final DocumentStore store;
    private final SettingsMirror mirror;
    private final SyncRoom room;
    private final Duration debounce;
    private final ScheduledThreadPoolExecutor mirrorThread;
    /** A mirror rewrite is queued and has not started yet: later changes ride along with it. */
    private final AtomicBoolean mirrorQueued = new AtomicBoolean();
    private SettingsWatcher watcher;
    private boolean closed;

    private SettingsRoom(DocumentOwner owner, DocumentStore store, SettingsMirror mirror, Duration debounce) {
        this.owner = owner;
        this.store = store;
        this.mirror = mirror;
        this.debounce = debounce;
        this.mirrorThread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "settings-mirror");
            t.setDaemon(true);
            return t;
        });
        // a rewrite still waiting at close is not needed: close writes the last mirror itself
        this.mirrorThread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.room = new SyncRoom(owner, this::scheduleMirror);
    }

    /**
     * DAEMON.md §5 step 3: loads the document (§5), writes the schema file, applies a settings.json
     * edited while no daemon ran, and writes the document if it is not on disk yet. Serving starts
     * with {@link #serve}; watching with {@link #startWatching()}.
     */
    public static SettingsRoom open(SettingsPaths paths) {
        return open(paths, SettingsWatcher.DEBOUNCE);
    }

    public static SettingsRoom open(SettingsPaths paths, Duration debounce) {
        SettingsLoader.Loaded loaded = SettingsLoader.load(paths);
        DocumentOwner owner = new DocumentOwner("settings", loaded.doc());
        DocumentStore store = null;
        try {
            store = new DocumentStore(paths.automerge(), owner,
                    loaded.onDisk() ? owner.withDocument(d -> d.getHeads()) : null, loaded.fileBytes(),
                    COMPACTION, "settings");
            SettingsMirror mirror = new SettingsMirror(paths, owner, store);
            mirror.writeSchema();
            if (!loaded.onDisk()) {
                // a fresh, migrated or settings.json-built document is written now, so that both
                // files exist for editors from the start (the reference writes them at the first
                // message of the first window)
                store.flush(Duration.ofSeconds(30));
            }
            mirror.start();
            LOG.info("settings loaded from {}", switch (loaded.origin()) {
                case AUTOMERGE -> paths.automerge();
                case SETTINGS_JSON -> paths.settingsJson();
                case DEFAULTS -> "defaults";
            });
            return new SettingsRoom(owner, store, mirror, debounce);
        } catch (RuntimeException e) {
            if (store != null) {
                store.close();
            }
            owner.close();
            throw e;
        }
    }

    /** DAEMON.md §5 step 8: watch settings.json for hand edits (§7). */
    public synchronized void startWatching() {
        if (watcher == null && !closed) {
            watcher = SettingsWatcher.start(mirror.paths().settingsJson(), debounce, this::handEdited).orElse(null);
        }
    }

    private void handEdited() {
        if (mirror.applyHandEdits()) {
            room.broadcast();
        }
    }

    /**
     * After a peer's change: the mirror is rewritten on its own thread, never on a peer's path, at
     * most {@link #MIRROR_DELAY} later, with every change made meanwhile.
     */
    private void scheduleMirror() {
        if (mirrorQueued.compareAndSet(false, true)) {
            try {
                mirrorThread.schedule(() -> {
                    mirrorQueued.set(false);
                    try {
                        if (mirror.publish()) {
                            room.broadcast();
                        }
                    } catch (RuntimeException e) {
                        // a scheduled task's failure would only reach its unread future
                        LOG.error("rewriting the settings mirror failed", e);
                    }
                }, MIRROR_DELAY.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing: close() writes the last mirror itself
                mirrorQueued.set(false);
            }
        }
    }

    /**
     * Serves one {@code settings_sync} connection on the calling thread until it ends. The thread
     * is named after it ({@code peer-settings-12}) for thread dumps.
     */
    public void serve(long connectionId, FrameChannel frames) throws IOException {
        String label = "peer-settings-" + connectionId;
        Thread.currentThread().setName(label);
        room.serve(label, frames);
    }

    /** The current §2 snapshot. */
    public SyncedSettings snapshot() {
        return owner.read(SettingsDoc::snapshot);
    }

    /** The settings as settings.json's tree (snapshot plus section extras such as {@code uv.python}). */
    public ObjectNode settingsTree() {
        return owner.read(SettingsJson::tree);
    }

    /** Reads one value by key (§3 get). */
    public Optional<String> get(String key) {
        return owner.read(doc -> SettingsDoc.get(doc, key));
    }

    public int peerCount() {
        return room.peerCount();
    }

    /** How many times settings.json was rewritten from the document since the daemon started. */
    public long mirrorWrites() {
        return mirror.writes();
    }

    /** Stops the watcher, drops the peers, writes the last mirror and frees the document (exactly once). */
    @Override
    public void close() {
        SettingsWatcher w;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            w = watcher;
        }
        if (w != null) {
            w.close();
        }
        room.close(PEERS_LEAVE_TIMEOUT);
        mirrorThread.shutdown();
        try {
            if (!mirrorThread.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("the settings mirror is still being written after 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        mirror.publish();
        store.close();
        owner.close();
    }
}
