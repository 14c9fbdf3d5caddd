package io.runtimed.rooms.settings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings room, opened on its own thread as soon as the daemon holds its lock (DAEMON.md §5
 * steps 3 and 8: load the document, write the schema file, start the settings.json watcher), so
 * that the first pong does not wait for Automerge's native library and the settings files. The
 * settings channel and the pool builds wait for it (a few tens of milliseconds at most, once).
 */
public final class SettingsRoomOpener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SettingsRoomOpener.class);
    /** Far beyond any real start; only a wedged file system gets here. */
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);

    private final CompletableFuture<SettingsRoom> room = new CompletableFuture<>();
    private final Thread opener;

    public SettingsRoomOpener(SettingsPaths paths) {
        this.opener = new Thread(() -> {
            try {
                SettingsRoom opened = SettingsRoom.open(paths);
                opened.startWatching();
                room.complete(opened);
            } catch (RuntimeException | Error e) {
                LOG.error("the settings document could not be opened; settings sync is unavailable", e);
                room.completeExceptionally(e);
            }
        }, "settings-open");
        this.opener.setDaemon(true);
    }

    /** Starts opening; idempotent. */
    public synchronized void start() {
        if (opener.getState() == Thread.State.NEW) {
            opener.start();
        }
    }

    /** The open room, waiting for it if it is still opening. */
    public SettingsRoom await() throws IOException {
        start();
        try {
            return room.get(OPEN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException("settings are unavailable: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("settings are still opening after " + OPEN_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the settings were opening", e);
        }
    }

    /** The settings for a pool build; defaults (logged) if the settings document could not be opened. */
    public JsonNode settingsTreeOrDefaults() {
        try {
            return await().settingsTree();
        } catch (IOException e) {
            LOG.warn("building with default settings: {}", e.getMessage());
            return JsonNodeFactory.instance.objectNode();
        }
    }

    /** Closes the room (stops the watcher, frees the document) once it has opened. */
    @Override
    public void close() {
        try {
            await().close();
        } catch (IOException e) {
            LOG.debug("no settings room to close: {}", e.getMessage());
        }
    }
}
