package io.runtimed.rooms.settings;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches settings.json for hand edits (SETTINGS.md §7). It always watches the file's DIRECTORY and
 * filters by name, so an editor that saves by writing a new file and renaming it over the old one
 * is still seen (watching the file itself, as the reference does, loses it after the first such
 * save). Events are debounced: the callback runs once the file has been quiet for the window.
 */
public final class SettingsWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SettingsWatcher.class);
    /** §7: the reference's debounce window. */
    public static final Duration DEBOUNCE = Duration.ofMillis(500);

    private final Path file;
    private final WatchService service;
    private final Duration debounce;
    private final Runnable onEdit;
    private final Thread thread;

    private SettingsWatcher(Path file, WatchService service, Duration debounce, Runnable onEdit) {
        this.file = file;
        this.service = service;
        this.debounce = debounce;
        this.onEdit = onEdit;
        this.thread = new Thread(this::run, "settings-watcher");
        this.thread.setDaemon(true);
    }

    /**
     * Starts watching {@code file}'s directory (created if missing). When neither works the daemon
     * runs without a watcher (§7): the reason is logged and the result is empty.
     */
    public static Optional<SettingsWatcher> start(Path file, Duration debounce, Runnable onEdit) {
        Path dir = file.toAbsolutePath().getParent();
        WatchService service = null;
        try {
            Files.createDirectories(dir);
            service = FileSystems.getDefault().newWatchService();
            WatchEvent.Kind<?>[] kinds = {StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE};
            try {
                dir.register(service, kinds, highSensitivity());
            } catch (UnsupportedOperationException e) {
                dir.register(service, kinds);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("not watching {} for edits: {}", file, e.getMessage());
            if (service != null) {
                try {
                    service.close();
                } catch (IOException ignored) {
                    // nothing more to release
                }
            }
            return Optional.empty();
        }
        SettingsWatcher w = new SettingsWatcher(file.toAbsolutePath(), service, debounce, onEdit);
        w.thread.start();
        LOG.debug("watching {} for edits", file);
        return Optional.of(w);
    }

    /**
     * Where the JDK polls instead of being told (macOS), the JDK-specific HIGH sensitivity looks
     * every 2 s instead of 10 s. Looked up by name: newer JDKs deprecate it, and without it the
     * watcher still works, only slower there.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static WatchEvent.Modifier[] highSensitivity() {
        try {
            Class<? extends Enum> type = (Class<? extends Enum>) Class.forName("com.sun.nio.file.SensitivityWatchEventModifier");
            return new WatchEvent.Modifier[] {(WatchEvent.Modifier) Enum.valueOf(type, "HIGH")};
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return new WatchEvent.Modifier[0];
        }
    }

    private void run() {
        Path name = file.getFileName();
        long due = 0; // nanoTime at which a pending batch fires; 0 = nothing pending
        try {
            while (true) {
                WatchKey key;
                if (due == 0) {
                    key = service.take();
                } else {
                    long wait = due - System.nanoTime();
                    key = wait > 0 ? service.poll(wait, TimeUnit.NANOSECONDS) : null;
                }
                if (key == null) {
                    due = 0;
                    fire();
                    continue;
                }
                for (WatchEvent<?> event : key.pollEvents()) {
                    // an overflow lost events, possibly ours: treat it as an edit
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW || name.equals(event.context())) {
                        due = System.nanoTime() + debounce.toNanos();
                    }
                }
                if (!key.reset()) {
                    LOG.warn("{} is gone; no longer watching settings.json for edits", file.getParent());
                    return;
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closed: the daemon is stopping
        }
    }

    private void fire() {
        try {
            onEdit.run();
        } catch (RuntimeException e) {
            LOG.error("applying the edits of {} failed", file, e);
        }
    }

    /** Stops watching; a callback that is running finishes first. */
    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            LOG.debug("closing the watch service: {}", e.getMessage());
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
