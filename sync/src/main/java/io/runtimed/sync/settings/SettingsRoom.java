package io.runtimed.sync.settings;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.SyncRoom;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's one settings document and everything around it (SETTINGS.md §5-§8): loaded at
 * start, served to every {@code settings_sync} peer through one {@link SyncRoom}, persisted by
 * {@link SettingsFiles}, and fed hand edits of settings.json by a {@link SettingsWatcher}.
 */
public final class SettingsRoom implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SettingsRoom.class);
    /** How long closing waits for peers to let go of their sync states. */
    private static final Duration PEERS_LEAVE_TIMEOUT = Duration.ofSeconds(5);

    private final DocumentOwner owner;
    private final SettingsFiles files;
    private final SyncRoom room;
    private final Duration debounce;
    private SettingsWatcher watcher;
    private boolean closed;

    private SettingsRoom(DocumentOwner owner, SettingsFiles files, Duration debounce) {
        this.owner = owner;
        this.files = files;
        this.room = new SyncRoom(owner, files);
        this.debounce = debounce;
    }

    /**
     * DAEMON.md §5 step 3: loads the document (§5), writes the schema file, applies a settings.json
     * edited while no daemon ran, and writes the document if it is not on disk yet. Serving starts with {@link #serve}; watching with
     * {@link #startWatching()}.
     */
    public static SettingsRoom open(SettingsPaths paths) {
        return open(paths, SettingsWatcher.DEBOUNCE);
    }

    public static SettingsRoom open(SettingsPaths paths, Duration debounce) {
        SettingsLoader.Loaded loaded = SettingsLoader.load(paths);
        DocumentOwner owner = new DocumentOwner("settings", loaded.doc());
        try {
            List<org.automerge.ChangeHash> saved = loaded.onDisk() ? owner.heads() : null;
            SettingsFiles files = new SettingsFiles(paths, owner, saved);
            files.writeSchema();
            files.applyHandEdits();
            if (!loaded.onDisk()) {
                // a fresh, migrated or settings.json-built document is written now, so that both
                // files exist for editors from the start (the reference writes them at the first
                // message of the first window)
                files.persistAndPublish();
            }
            LOG.info("settings loaded from {}", switch (loaded.origin()) {
                case AUTOMERGE -> paths.automerge();
                case SETTINGS_JSON -> paths.settingsJson();
                case DEFAULTS -> "defaults";
            });
            return new SettingsRoom(owner, files, debounce);
        } catch (RuntimeException e) {
            owner.close();
            throw e;
        }
    }

    /** DAEMON.md §5 step 8: watch settings.json for hand edits (§7). */
    public synchronized void startWatching() {
        if (watcher == null && !closed) {
            watcher = SettingsWatcher.start(files.paths().settingsJson(), debounce, this::handEdited).orElse(null);
        }
    }

    private void handEdited() {
        if (files.applyHandEdits()) {
            room.broadcast();
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

    /** Stops the watcher, drops the peers and frees the document (exactly once). */
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
        owner.close();
    }
}
