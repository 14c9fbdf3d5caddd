package io.runtimed.outputs;

import io.runtimed.sync.notebook.NotebookDoc;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * KERNELS.md §7.3 "(ours)" and §8.2 "(ours)": the stream outputs of every cell of one room, one
 * {@link StreamTerminal} per (cell, stream name) that is still growing, and when they reach the
 * document.
 *
 * <p><b>Coalescing.</b> Consecutive chunks of one stream make one output: a write replaces the
 * element at its index when that is still the cell's last output and still holds our last ref,
 * else it is appended. A chunk whose stream's output is no longer the cell's last (another stream
 * or output came in between) starts a fresh terminal, so no text is ever written twice; and a chunk
 * first writes out what the cell's other stream still holds, so the outputs keep the kernel's order.
 *
 * <p><b>Flush policy.</b> Chunks are buffered in memory and written (a new manifest, replacing the
 * previous one in the document) when {@link #due} says: a stream's first text at once; while the
 * text is at most {@link #SMALL_CHARS} at most once per {@link #INTERVAL_NANOS} (a task on the given
 * scheduler); above that when the text has grown to {@link #GROWTH} times what was last written,
 * but not sooner than {@link #GROWTH_INTERVAL_NANOS} after that write, or else after
 * {@link #SLOW_NANOS} without a write (slow output still shows). Each intermediate write above
 * {@code SMALL_CHARS} is at least {@code GROWTH} times the one before, so together they are less
 * than 4/3 of the last one, whatever the sizes of the kernel's chunks (ipykernel sends what it
 * buffered every 0.2 s: fixed size milestones were each crossed by one chunk far above them); and
 * output that ends within the interval after its first write is written once more, at its end.
 * And always at once when the router ends the cell's streams (another output of the cell, clear,
 * finish, reset, close). Each write's blobs are provisional ({@link OutputBlobs}) until the stream
 * ends, and the ones a newer write superseded are deleted.
 *
 * <p>Everything runs under the router's lock; the scheduled flush takes that lock too.
 */
final class StreamBuffers {
    static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    static final int SMALL_CHARS = 8 * 1024;
    /** Above {@link #SMALL_CHARS}: how many times larger than the last write the text must be for the next. */
    static final int GROWTH = 4;
    /** Above {@link #SMALL_CHARS}: the shortest time between two writes of a stream that grows fast. */
    static final long GROWTH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Above {@link #SMALL_CHARS}: output that grows slowly is still shown this often. */
    static final long SLOW_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** One growing stream output. */
    static final class Stream {
        final String cellId;
        final String name;
        final StreamTerminal terminal = new StreamTerminal();
        String ref;
        int index = -1;
        List<String> provisional = List.of();
        boolean dirty;
        boolean everWritten;
        long lastWriteNanos;
        int lastWrittenChars;
        ScheduledFuture<?> scheduled;
        long scheduledAt;

        Stream(String cellId, String name) {
            this.cellId = cellId;
            this.name = name;
        }
    }

    /** Per cell: its live streams and the last entry this pipeline wrote to it. */
    static final class Cell {
        final Map<String, Stream> streams = new LinkedHashMap<>();
        String lastRef;
        boolean clearPending;
    }

    private final Map<String, Cell> cells = new LinkedHashMap<>();
    private final CellOutputs outputs;
    private final OutputBlobs blobs;
    private final DisplayUpdates displays;
    private final ScheduledExecutorService scheduler;
    private final ReentrantLock lock;
    private final LongSupplier nanoTime;
    private boolean closed;

    StreamBuffers(CellOutputs outputs, OutputBlobs blobs, DisplayUpdates displays,
                  ScheduledExecutorService scheduler, ReentrantLock lock, LongSupplier nanoTime) {
        this.outputs = outputs;
        this.blobs = blobs;
        this.displays = displays;
        this.scheduler = scheduler;
        this.lock = lock;
        this.nanoTime = nanoTime;
    }

    Cell cell(String cellId) {
        return cells.computeIfAbsent(cellId, k -> new Cell());
    }

    Cell existing(String cellId) {
        return cells.get(cellId);
    }

    /** A chunk of stream {@code name} for the cell. */
    void chunk(String cellId, String name, String text) {
        Cell cell = cell(cellId);
        for (Stream other : new ArrayList<>(cell.streams.values())) {
            if (!other.name.equals(name) && other.dirty) {
                write(cell, other);
            }
        }
        Stream s = cell.streams.get(name);
        if (s != null && s.ref != null && !s.ref.equals(cell.lastRef)) {
            // its output is no longer the cell's last: a fresh output with a fresh terminal
            end(s);
            cell.streams.remove(name);
            s = null;
        }
        if (s == null) {
            s = new Stream(cellId, name);
            cell.streams.put(name, s);
        }
        if (s.terminal.truncated()) {
            return;
        }
        s.terminal.feed(text);
        s.dirty = true;
        maybeWrite(cell, s);
    }

    /** Writes whatever the cell's streams hold and ends them (their blobs become permanent). */
    void endStreams(String cellId) {
        Cell cell = cells.get(cellId);
        if (cell == null) {
            return;
        }
        for (Stream s : cell.streams.values()) {
            if (s.dirty) {
                write(cell, s);
            }
            end(s);
        }
        cell.streams.clear();
    }

    /**
     * Forgets the cell's streams without writing them: their outputs are being cleared, so the
     * blobs only they referenced are deleted.
     */
    void dropStreams(String cellId) {
        Cell cell = cells.get(cellId);
        if (cell == null) {
            return;
        }
        for (Stream s : cell.streams.values()) {
            cancel(s);
            blobs.release(s.provisional);
            if (s.ref != null) {
                displays.forget(s.ref);
            }
        }
        cell.streams.clear();
        cell.lastRef = null;
    }

    /** Ends every stream of every cell (written out) and forgets all cells. */
    void endAll() {
        for (String cellId : new ArrayList<>(cells.keySet())) {
            endStreams(cellId);
        }
        cells.clear();
    }

    void forgetCell(String cellId) {
        cells.remove(cellId);
    }

    void close() {
        endAll();
        closed = true;
    }

    private void maybeWrite(Cell cell, Stream s) {
        long now = nanoTime.getAsLong();
        long due = due(s, now);
        if (due - now <= 0) {
            write(cell, s);
            return;
        }
        if (s.scheduled != null && s.scheduledAt - due <= 0) {
            return;
        }
        cancel(s);
        s.scheduledAt = due;
        s.scheduled = scheduler.schedule(() -> scheduledFlush(s), due - now, TimeUnit.NANOSECONDS);
    }

    private void scheduledFlush(Stream s) {
        lock.lock();
        try {
            s.scheduled = null;
            Cell cell = cells.get(s.cellId);
            if (closed || cell == null || cell.streams.get(s.name) != s || !s.dirty) {
                return;
            }
            maybeWrite(cell, s);
        } finally {
            lock.unlock();
        }
    }

    /**
     * When the stream's buffered text may be written ({@link System#nanoTime} scale): the first
     * text at once; up to {@link #SMALL_CHARS} every {@link #INTERVAL_NANOS}; above that once it has
     * grown {@link #GROWTH}-fold since the last write and {@link #GROWTH_INTERVAL_NANOS} have passed
     * (so the blob bytes of a growing output stay below 7/3 of its final size, and a fast one that
     * ends within the interval costs one write more than its final one), else after
     * {@link #SLOW_NANOS} so that slow output still shows.
     */
    private long due(Stream s, long now) {
        if (!s.everWritten) {
            return now;
        }
        int chars = s.terminal.length();
        if (chars <= SMALL_CHARS) {
            return s.lastWriteNanos + INTERVAL_NANOS;
        }
        if ((long) chars >= (long) GROWTH * s.lastWrittenChars) {
            return s.lastWriteNanos + GROWTH_INTERVAL_NANOS;
        }
        return s.lastWriteNanos + SLOW_NANOS;
    }

    /** Writes the stream's text now: a new manifest, upserted into the cell's outputs. */
    private void write(Cell cell, Stream s) {
        cancel(s);
        if (outputs.document().read(r -> NotebookDoc.outputs(r, s.cellId)).isEmpty()) {
            // the cell is gone (deleted meanwhile): no blobs for text nobody will see
            s.dirty = false;
            return;
        }
        String text = s.terminal.text();
        var nb = NbformatOutputs.stream(s.name, text);
        OutputBlobs.Session session = blobs.session(true);
        String ref = OutputManifest.store(nb, session);
        CellOutputs.Placed placed = outputs.upsert(s.cellId, NbformatOutputs.STREAM, s.index, s.ref, ref);
        s.dirty = false;
        s.everWritten = true;
        s.lastWriteNanos = nanoTime.getAsLong();
        s.lastWrittenChars = s.terminal.length();
        if (placed == null) {
            // no such cell (deleted meanwhile): nothing refers to what was just stored
            blobs.release(session.created());
            return;
        }
        if (s.ref != null && !s.ref.equals(ref)) {
            if (placed.replaced()) {
                blobs.release(s.provisional);
                displays.forget(s.ref);
            } else {
                blobs.keep(s.provisional);
            }
        }
        s.ref = ref;
        s.index = placed.index();
        s.provisional = session.created();
        cell.lastRef = ref;
        displays.record(ref, nb);
    }

    /** The stream is complete: its blobs are referenced for good. */
    private void end(Stream s) {
        cancel(s);
        blobs.keep(s.provisional);
        s.provisional = List.of();
    }

    private static void cancel(Stream s) {
        if (s.scheduled != null) {
            s.scheduled.cancel(false);
            s.scheduled = null;
        }
    }
}
