package io.runtimed.ipynb;

import io.runtimed.outputs.OutputBlobs;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every path-backed room's {@link NotebookFile} shares: one thread ({@code notebook-files})
 * that does all of their file work, so that a room's saves, reloads and autosaves never overlap
 * and its own writes are known before their file events are looked at; one watch on the
 * directories of the open files ({@code notebook-file-watch}, inotify on Linux); the output store;
 * and whether autosave is on (the {@code notebooks.autosave} setting, read at each use).
 */
public final class NotebookFileService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NotebookFileService.class);
    /** Autosave after this long without edits … */
    public static final Duration QUIET = Duration.ofSeconds(2);
    /** … and at least this often while edits go on. */
    public static final Duration AT_MOST = Duration.ofSeconds(10);

    private final OutputBlobs blobs;
    private final BooleanSupplier autosave;
    private final Duration quiet;
    private final Duration atMost;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "notebook-files");
        t.setDaemon(true);
        return t;
    });
    /** Made at the first watched file, so a daemon whose rooms have no files never starts it. */
    private WatchService watch;
    /** The open files by directory; a directory is watched while it has one. */
    private final Map<Path, Set<NotebookFile>> byDirectory = new ConcurrentHashMap<>();
    private final Map<Path, WatchKey> keys = new ConcurrentHashMap<>();

    public NotebookFileService(OutputBlobs blobs, BooleanSupplier autosave) {
        this(blobs, autosave, QUIET, AT_MOST);
    }

    NotebookFileService(OutputBlobs blobs, BooleanSupplier autosave, Duration quiet, Duration atMost) {
        this.blobs = blobs;
        this.autosave = autosave;
        this.quiet = quiet;
        this.atMost = atMost;
    }

    /** The watch, started on first use; null when the file system offers none (logged). */
    private synchronized WatchService watch() {
        if (watch == null) {
            try {
                WatchService w = FileSystems.getDefault().newWatchService();
                Thread watcher = new Thread(() -> watchLoop(w), "notebook-file-watch");
                watcher.setDaemon(true);
                watcher.start();
                watch = w;
            } catch (IOException e) {
                LOG.warn("no file watch: changes of notebook files by others are not seen: {}", e.getMessage());
            }
        }
        return watch;
    }

    OutputBlobs blobs() {
        return blobs;
    }

    boolean autosaveOn() {
        return autosave.getAsBoolean();
    }

    Duration quiet() {
        return quiet;
    }

    Duration atMost() {
        return atMost;
    }

    ScheduledExecutorService worker() {
        return worker;
    }

    /** Starts watching {@code file}'s directory for it. */
    void watch(NotebookFile file) {
        Path dir = file.path().getParent();
        byDirectory.compute(dir, (d, files) -> {
            Set<NotebookFile> set = files == null ? ConcurrentHashMap.newKeySet() : files;
            set.add(file);
            WatchService w = watch();
            if (w != null && !keys.containsKey(d)) {
                try {
                    keys.put(d, d.register(w, StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE));
                } catch (IOException e) {
                    LOG.warn("cannot watch {} for changes of {}: {}", d, file.path().getFileName(), e.getMessage());
                }
            }
            return set;
        });
    }

    void unwatch(NotebookFile file) {
        Path dir = file.path().getParent();
        byDirectory.computeIfPresent(dir, (d, files) -> {
            files.remove(file);
            if (files.isEmpty()) {
                WatchKey key = keys.remove(d);
                if (key != null) {
                    key.cancel();
                }
                return null;
            }
            return files;
        });
    }

    private void watchLoop(WatchService w) {
        while (true) {
            WatchKey key;
            try {
                key = w.take();
            } catch (ClosedWatchServiceException | InterruptedException e) {
                return;
            }
            Path dir = (Path) key.watchable();
            for (WatchEvent<?> event : key.pollEvents()) {
                Set<NotebookFile> files = byDirectory.get(dir);
                if (files == null) {
                    continue;
                }
                Object name = event.context();
                for (NotebookFile f : files) {
                    // an overflow may have lost any file's event: each looks again
                    if (event.kind() == StandardWatchEventKinds.OVERFLOW || f.path().getFileName().equals(name)) {
                        f.changedOnDisk();
                    }
                }
            }
            key.reset();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (watch != null) {
                try {
                    watch.close();
                } catch (IOException e) {
                    LOG.debug("closing the watch: {}", e.getMessage());
                }
            }
        }
        worker.shutdown();
    }
}
