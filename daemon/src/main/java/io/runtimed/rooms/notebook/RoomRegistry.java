package io.runtimed.rooms.notebook;

import io.runtimed.execution.Kernels;
import io.runtimed.ipynb.NotebookFileService;
import io.runtimed.execution.Parallel;
import io.runtimed.execution.RoomKernel;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.NotebookKernelInfo;
import io.runtimed.protocol.NotebookResponse;
import io.runtimed.protocol.RoomInfo;
import io.runtimed.rooms.DocumentStore;
import io.runtimed.sync.notebook.NotebookSnapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's open notebooks, {@code notebook_id → room} (NOTEBOOK.md §5). Joining and leaving
 * count peers under one lock, so there is never a second room for one id (the reference counts
 * outside its lock and can create one, §5 "Reference race"). The first peer of a room loads it
 * outside that lock (loading a big notebook takes long and must not stall other notebooks); the
 * last peer to leave removes it from the map, writes it out and frees it. A peer that arrives
 * while the previous room for its id is still being written out gets a new room that loads only
 * once that write is finished, so it always sees everything the old room held.
 *
 * <p>A room whose kernel runs outlives its last peer by the keep-alive (KERNELS.md §4.4, 30 s by
 * default): a window that comes back within it finds the kernel with its variables. Only the
 * latest departure's timer may evict, so a room that empties, fills and empties again gets the
 * full keep-alive from its last departure (the reference can evict it early).
 */
public final class RoomRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RoomRegistry.class);

    private final Path docsDir;
    private final DocumentStore.Compaction compaction;
    /** Null when the daemon runs no kernels. */
    private final Kernels kernels;
    /** Keeps path-backed rooms' .ipynb files in step; null in a registry without (tests of sync alone). */
    private final NotebookFileService files;
    private final ScheduledExecutorService keepAliveTimer;
    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock
    private final Map<String, Entry> rooms = new HashMap<>();
    /** Rooms removed from the map whose file is still being finished. */
    private final Map<String, CompletableFuture<Void>> closing = new HashMap<>();
    private boolean closed;

    /** One id's room: its peer count and the room, which its first peer opens. */
    private static final class Entry {
        final String notebookId;
        final CompletableFuture<Void> predecessor;
        final CompletableFuture<Void> evicted = new CompletableFuture<>();
        int peers;
        /** Counts departures of the last peer; a keep-alive timer only evicts for the latest. */
        long emptied;
        volatile NotebookRoom room;
        RuntimeException openFailure;

        Entry(String notebookId, CompletableFuture<Void> predecessor) {
            this.notebookId = notebookId;
            this.predecessor = predecessor;
        }
    }

    public RoomRegistry(Path docsDir) {
        this(docsDir, DocumentStore.Compaction.DEFAULT);
    }

    public RoomRegistry(Path docsDir, DocumentStore.Compaction compaction) {
        this(docsDir, compaction, null);
    }

    /** With {@code kernels}, every room has a kernel slot and the keep-alive applies. */
    public RoomRegistry(Path docsDir, DocumentStore.Compaction compaction, Kernels kernels) {
        this(docsDir, compaction, kernels, null);
    }

    public RoomRegistry(Path docsDir, DocumentStore.Compaction compaction, Kernels kernels, NotebookFileService files) {
        this.docsDir = docsDir;
        this.compaction = compaction;
        this.kernels = kernels;
        this.files = files;
        this.keepAliveTimer = kernels == null ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "room-keep-alive");
            t.setDaemon(true);
            return t;
        });
    }

    public Path docsDir() {
        return docsDir;
    }

    /**
     * Serves one {@code notebook_sync} connection on the calling thread until it ends: joins (or
     * creates) the room for {@code notebookId}, runs the sync loop, leaves.
     */
    public void serve(String notebookId, String label, FrameChannel frames) throws IOException {
        serve(notebookId, label, frames, false);
    }

    /** As {@link #serve(String, String, FrameChannel)}; {@code typedFrames} for a v2 peer (KERNELS.md §1). */
    public void serve(String notebookId, String label, FrameChannel frames, boolean typedFrames) throws IOException {
        Entry entry = join(notebookId);
        if (entry == null) {
            return;
        }
        try {
            NotebookRoom room = open(entry);
            room.serve(label, frames, typedFrames);
        } finally {
            leave(entry);
        }
    }

    private Entry join(String notebookId) {
        lock.lock();
        try {
            if (closed) {
                return null;
            }
            Entry e = rooms.get(notebookId);
            if (e == null) {
                e = new Entry(notebookId, closing.get(notebookId));
                rooms.put(notebookId, e);
            }
            e.peers++;
            return e;
        } finally {
            lock.unlock();
        }
    }

    /** The entry's room, opened by whichever peer gets here first (the others wait for it). */
    private NotebookRoom open(Entry e) {
        synchronized (e) {
            if (e.room == null && e.openFailure == null) {
                if (e.predecessor != null) {
                    e.predecessor.join();
                }
                try {
                    e.room = NotebookRoom.open(e.notebookId, docsDir, compaction, kernels, files);
                    LOG.debug("opened the room of notebook {}", e.notebookId);
                } catch (RuntimeException failure) {
                    e.openFailure = failure;
                }
            }
            if (e.openFailure != null) {
                throw e.openFailure;
            }
            return e.room;
        }
    }

    private void leave(Entry e) {
        lock.lock();
        try {
            e.peers--;
            if (e.peers != 0 || rooms.get(e.notebookId) != e) {
                return;
            }
            NotebookRoom room = e.room;
            if (!closed && room != null && room.kernel().map(RoomKernel::hasKernel).orElse(false)) {
                Duration keep = kernels.keepAlive();
                if (keep.compareTo(Duration.ZERO) > 0) {
                    long departure = ++e.emptied;
                    keepAliveTimer.schedule(() -> evictIfStillEmpty(e, departure), keep.toMillis(), TimeUnit.MILLISECONDS);
                    LOG.debug("room of notebook {} keeps its kernel for {} s", e.notebookId, keep.toSeconds());
                    return;
                }
            }
            rooms.remove(e.notebookId);
            closing.put(e.notebookId, e.evicted);
        } finally {
            lock.unlock();
        }
        evict(e);
    }

    /** The keep-alive of the latest departure ran out: evict if nobody came back meanwhile. */
    private void evictIfStillEmpty(Entry e, long departure) {
        lock.lock();
        try {
            if (e.peers != 0 || e.emptied != departure || rooms.get(e.notebookId) != e) {
                return;
            }
            rooms.remove(e.notebookId);
            closing.put(e.notebookId, e.evicted);
        } finally {
            lock.unlock();
        }
        LOG.info("closing the room of notebook {} and its kernel: no window came back", e.notebookId);
        evict(e);
    }

    /** Writes out and frees a room already removed from the map. */
    private void evict(Entry e) {
        try {
            NotebookRoom room;
            synchronized (e) {
                room = e.room;
            }
            if (room != null) {
                room.close();
                LOG.debug("closed the room of notebook {}", e.notebookId);
            }
        } finally {
            e.evicted.complete(null);
            lock.lock();
            try {
                closing.remove(e.notebookId, e.evicted);
            } finally {
                lock.unlock();
            }
        }
    }

    /** The open rooms and their peer counts, by id. */
    public List<RoomInfo> list() {
        lock.lock();
        try {
            List<RoomInfo> out = new ArrayList<>();
            rooms.values().forEach(e -> out.add(info(e)));
            out.sort(Comparator.comparing(RoomInfo::notebookId));
            return out;
        } finally {
            lock.unlock();
        }
    }

    private static RoomInfo info(Entry e) {
        NotebookRoom room = e.room;
        Optional<NotebookKernelInfo> k = room == null ? Optional.empty() : kernelOf(room);
        return k.map(i -> RoomInfo.withKernel(e.notebookId, e.peers, i.kernelType(), i.envSource(), i.status()))
                .orElseGet(() -> RoomInfo.withoutKernel(e.notebookId, e.peers));
    }

    /** KERNELS.md §11.1: the room's kernel while one runs or launches (then {@code "starting"}). */
    private static Optional<NotebookKernelInfo> kernelOf(NotebookRoom room) {
        Optional<RoomKernel> slot = room.kernel();
        if (slot.isEmpty() || !slot.get().hasKernel()) {
            return Optional.empty();
        }
        NotebookResponse.KernelInfo k = slot.get().info();
        return Optional.of(new NotebookKernelInfo(k.kernelType(), k.envSource(), k.status()));
    }

    /** A live room's cells and its kernel, as {@code inspect_notebook} reports them. */
    public record LiveNotebook(NotebookSnapshot snapshot, Optional<NotebookKernelInfo> kernel) {
    }

    /**
     * The open room's state for {@code inspect_notebook}, or empty when there is none. A room that is
     * being written out is waited for (at most {@code closingWait}), so that a caller who then reads
     * its file finds everything the room held.
     */
    public Optional<LiveNotebook> live(String notebookId, Duration closingWait) {
        Entry e;
        CompletableFuture<Void> writing;
        lock.lock();
        try {
            e = rooms.get(notebookId);
            writing = closing.get(notebookId);
        } finally {
            lock.unlock();
        }
        if (e == null) {
            if (writing != null) {
                try {
                    writing.get(closingWait.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | TimeoutException ignored) {
                    // read what the file holds now
                }
            }
            return Optional.empty();
        }
        synchronized (e) {
            NotebookRoom room = e.room;
            if (room == null) {
                return Optional.empty();
            }
            return Optional.of(new LiveNotebook(room.snapshot(), kernelOf(room)));
        }
    }

    /** The open room for an id, if any (for daemon-side reads; it may close right after). */
    public java.util.Optional<NotebookSnapshot> snapshot(String notebookId) {
        Entry e;
        lock.lock();
        try {
            e = rooms.get(notebookId);
        } finally {
            lock.unlock();
        }
        if (e == null) {
            return java.util.Optional.empty();
        }
        synchronized (e) {
            return e.room == null ? java.util.Optional.empty() : java.util.Optional.of(e.room.snapshot());
        }
    }

    /** Daemon shutdown: closes every room (peers dropped, files written, documents freed). */
    @Override
    public void close() {
        List<Entry> open;
        lock.lock();
        try {
            closed = true;
            open = new ArrayList<>(rooms.values());
        } finally {
            lock.unlock();
        }
        if (keepAliveTimer != null) {
            keepAliveTimer.shutdownNow();
        }
        // in parallel: each room may have a kernel to stop, which can take seconds
        List<NotebookRoom> toClose = new ArrayList<>();
        for (Entry e : open) {
            if (e.room != null) {
                toClose.add(e.room);
            }
        }
        Parallel.run(toClose, NotebookRoom::close);
        // leaving peers find their room closed; wait for the evictions already under way
        List<CompletableFuture<Void>> pending;
        lock.lock();
        try {
            pending = new ArrayList<>(closing.values());
        } finally {
            lock.unlock();
        }
        pending.forEach(CompletableFuture::join);
    }
}
