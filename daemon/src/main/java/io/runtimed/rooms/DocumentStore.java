package io.runtimed.rooms;

import io.runtimed.paths.AtomicFiles;
import io.runtimed.sync.DocumentDecodeException;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.NativeHandles;
import io.runtimed.tools.ThreadPriority;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file of one synced document (a notebook room's, NOTEBOOK.md §4, §7; the settings document's,
 * SETTINGS.md §6), written incrementally: the first write is a full save (temp + fsync + rename +
 * directory fsync), every later one appends the changes since the last staged heads (Automerge
 * loads a saved document followed by change chunks), and the file is compacted back to one full
 * save once it grows past {@code ratio} × its last full size: the next change is then staged as a
 * full save (by the thread that made it, under the document's lock it holds anyway).
 *
 * <p>It is the document's {@link DocumentOwner.Journal}: every change is staged under the owner's
 * lock in the same hold that made it, and one writer thread per document does all disk I/O, in
 * staging order, with one fsync per batch (group commit), then reports the batch durable to the
 * owner. The owner generates no sync message while anything staged is not yet durable, so every
 * head a peer is ever told of survives a crash. What a change costs under the document lock is
 * encoding it (micro-seconds), not writing it.
 *
 * <p>Crash safety: a full save replaces the file by rename only after its bytes and the temp file
 * are fsynced; an append cut short leaves a torn last chunk, which {@link #read} cuts off (it was
 * never acknowledged) instead of declaring the whole file corrupt.
 */
public final class DocumentStore implements DocumentOwner.Journal, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DocumentStore.class);
    /**
     * How much nicer than the daemon the writer runs (Linux): on a machine whose cores are busy
     * (a kernel running, the daemon turning its outputs into changes for the windows) the write that
     * makes a change durable waits for a free moment instead of taking the CPU from the delivery of
     * that change. Windows hear of a kernel's outputs before they are durable; a peer's own edit
     * waits for this writer under load a little longer. The writer never holds the document's lock
     * (a niced thread holding it would stall every peer on busy cores): compactions are saved by
     * {@link #stage}. Overridable for measurements: {@code -Druntimed.writerNiceness=0}.
     */
    static final int WRITER_NICENESS = Integer.getInteger("runtimed.writerNiceness", 10);
    /**
     * Group commit: changes that nobody waits to see durable (a kernel's outputs, which peers hear
     * of before they are on disk) are written at most this long after the first of them, with
     * every change staged meanwhile; anything urgent (a peer's edit, a flush) writes at once and
     * takes them along. A run of short cells then costs one append and fsync, not one each, and the
     * journal's disk work stays off the moments when a result is on its way to the windows. A crash
     * can lose this much of the last outputs; never a peer's acknowledged edit.
     */
    static final long GROUP_COMMIT_NANOS = TimeUnit.MILLISECONDS.toNanos(Long.getLong("runtimed.groupCommitMillis", 50));

    /** When to fold the appended changes back into one full save. */
    public record Compaction(double ratio, long minBytes) {
        /** Compact (at the next change) when the file is 4× its last full save and at least 256 KiB. */
        public static final Compaction DEFAULT = new Compaction(4.0, 256 * 1024);
    }

    /** A document read from its file (the caller owns and frees it) and the file's size. */
    public record Loaded(Document doc, long fileBytes) {
    }

    /** Staged bytes: changes to append, or ({@code full}) a whole save, the first or a compaction. */
    private record Pending(long seq, byte[] bytes, boolean full, boolean compaction) {
    }

    private final Path file;
    private final DocumentOwner owner;
    private final Compaction compaction;
    private final Runnable beforeWrite;
    private final Thread writer;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition queued = lock.newCondition();
    private final Condition durable = lock.newCondition();
    // guarded by lock
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    /** Heads of everything handed to the writer; null while the file holds nothing of this document. */
    private ChangeHash[] stagedHeads;
    private long nextSeq;
    private long durableSeq;
    private boolean closing;
    /** {@link #GROUP_COMMIT_NANOS}, but for tests. */
    private long groupCommitNanos = GROUP_COMMIT_NANOS;
    /** Something staged or waited for must be written now (see {@link #GROUP_COMMIT_NANOS}). */
    private boolean urgent;
    /** When the queue last went from empty to not empty. */
    private long queuedSince;
    /** Batches written (appends and full saves). */
    private long writes;
    private long fileBytes;
    private long baseBytes;
    private long bytesWritten;
    private long compactions;
    /** The file outgrew its last full save: the next staging saves the whole document. */
    private boolean compactionDue;
    /** Whether this document was ever on disk or handed to the writer (§6: a fresh room never changed is never written). */
    private boolean everStaged;
    // writer thread only
    private FileChannel appender;

    /**
     * Attaches itself to {@code owner} as its journal: from now on every change is written here.
     *
     * @param onDiskHeads the heads the file already holds, or null when there is no file yet
     * @param name        names the writer thread ({@code <name>-writer})
     */
    public DocumentStore(Path file, DocumentOwner owner, ChangeHash[] onDiskHeads, long fileBytes,
                         Compaction compaction, String name) {
        this(file, owner, onDiskHeads, fileBytes, compaction, name, () -> { });
    }

    /**
     * @param beforeWrite runs on the writer before each write, after the changes it writes were
     *                    taken: what those changes refer to and must be durable first (a notebook's
     *                    deferred output blobs) is made durable here
     */
    public DocumentStore(Path file, DocumentOwner owner, ChangeHash[] onDiskHeads, long fileBytes,
                         Compaction compaction, String name, Runnable beforeWrite) {
        this.file = file;
        this.owner = owner;
        this.compaction = compaction;
        this.beforeWrite = beforeWrite;
        this.stagedHeads = onDiskHeads;
        this.fileBytes = fileBytes;
        this.baseBytes = fileBytes;
        this.everStaged = onDiskHeads != null;
        // a full save cut short by a crash leaves its temp file (as big as the document) behind
        AtomicFiles.deleteLeftovers(file);
        this.writer = new Thread(this::writeLoop, name + "-writer");
        this.writer.setDaemon(true);
        this.writer.start();
        owner.attachJournal(this);
    }

    // ---- loading ----

    /**
     * Reads the file: absent → empty; a file that loads → it; a file whose last append was torn by
     * a crash → its complete chunks (the file is cut back to them); anything else → renamed to
     * {@code <name>.corrupt}, byte for byte (replacing an older one), and empty.
     */
    public static Optional<Loaded> read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            setAside(file, "cannot be read: " + e.getMessage());
            return Optional.empty();
        }
        try {
            Loaded loaded = load(bytes);
            if (loaded.fileBytes() < bytes.length) {
                LOG.warn("{}: dropped a torn last write of {} bytes (never acknowledged)", file,
                        bytes.length - loaded.fileBytes());
                truncate(file, loaded.fileBytes());
            }
            return Optional.of(loaded);
        } catch (DocumentDecodeException e) {
            setAside(file, "not an Automerge document: " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Loads a file's bytes without touching the file: the whole, or when only a torn last append
     * keeps them from loading, their complete chunks ({@link Loaded#fileBytes} then says how many
     * bytes that is; the rest was never acknowledged). The caller owns and frees the document.
     *
     * @throws DocumentDecodeException when neither loads: the bytes are not (the start of) a document
     */
    public static Loaded load(byte[] bytes) throws DocumentDecodeException {
        try {
            return new Loaded(NativeHandles.load(bytes), bytes.length);
        } catch (DocumentDecodeException e) {
            int whole = AutomergeChunks.completePrefix(bytes);
            if (whole > 0 && whole < bytes.length) {
                try {
                    return new Loaded(NativeHandles.load(java.util.Arrays.copyOf(bytes, whole)), whole);
                } catch (DocumentDecodeException again) {
                    // not a torn tail: the bytes are corrupt
                }
            }
            throw e;
        }
    }

    private static void truncate(Path file, long size) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
            ch.force(true);
        } catch (IOException e) {
            LOG.warn("could not cut {} back to {} bytes: {}", file, size, e.getMessage());
        }
    }

    /** Renames to {@code <name>.corrupt}, replacing an older one; a failure is only logged. */
    public static void setAside(Path file, String problem) {
        Path corrupt = file.resolveSibling(file.getFileName() + ".corrupt");
        try {
            Files.move(file, corrupt, StandardCopyOption.REPLACE_EXISTING);
            LOG.warn("{} {}; kept as {}", file, problem, corrupt.getFileName());
        } catch (IOException e) {
            LOG.warn("could not rename {} aside: {}", file, e.getMessage());
        }
    }

    // ---- staging and waiting ----

    /**
     * {@link DocumentOwner.Journal}, under the owner's lock: hands everything the document holds
     * beyond what was staged before to the writer, and returns the sequence number to wait for
     * ({@link #awaitDurable}); 0 when nothing was new.
     */
    @Override
    public long stage(Document doc, ChangeHash[] heads) {
        return stage(doc, heads, true);
    }

    @Override
    public long stage(Document doc, ChangeHash[] heads, boolean urgentChange) {
            lock.lock();
            try {
                if (stagedHeads != null && java.util.Arrays.equals(heads, stagedHeads)) {
                    return 0L;
                }
                // a compaction's save is made here, by the thread that changed the document and
                // holds its lock anyway, not by the writer (niced: it must not hold the document)
                boolean compact = compactionDue && stagedHeads != null;
                boolean full = stagedHeads == null || compact;
                byte[] bytes = full ? doc.save() : doc.encodeChangesSince(stagedHeads);
                stagedHeads = heads;
                if (full) {
                    compactionDue = false;
                }
                if (bytes.length == 0) {
                    return 0L;
                }
                long seq = ++nextSeq;
                everStaged = true;
                if (queue.isEmpty()) {
                    queuedSince = System.nanoTime();
                }
                queue.add(new Pending(seq, bytes, full, compact));
                if (urgentChange) {
                    urgent = true;
                }
                queued.signal();
                return seq;
            } finally {
                lock.unlock();
            }
    }

    /** Stages whatever the document holds that is not staged yet (normally nothing: changes stage themselves). */
    private long stageNow() {
        return owner.withDocument(doc -> stage(doc, doc.getHeads()));
    }

    /** Waits until everything up to {@code seq} is fsynced; false when the time ran out or writing failed. */
    public boolean awaitDurable(long seq, Duration timeout) {
        long left = timeout.toNanos();
        lock.lock();
        try {
            if (durableSeq < seq) {
                hurry(); // someone waits
            }
            while (durableSeq < seq) {
                if (left <= 0 || !writer.isAlive()) {
                    return false;
                }
                left = durable.awaitNanos(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Stages and waits: true once the file holds the whole document as it is now. */
    public boolean flush(Duration timeout) {
        long seq = stageNow();
        if (seq == 0) {
            lock.lock();
            try {
                seq = nextSeq;
            } finally {
                lock.unlock();
            }
        }
        return awaitDurable(seq, timeout);
    }

    public Path file() {
        return file;
    }

    /** Bytes written to disk by this store (appends and full saves). */
    public long bytesWritten() {
        lock.lock();
        try {
            return bytesWritten;
        } finally {
            lock.unlock();
        }
    }

    public long compactions() {
        lock.lock();
        try {
            return compactions;
        } finally {
            lock.unlock();
        }
    }

    // ---- the writer ----

    private void writeLoop() {
        OptionalInt nice = ThreadPriority.lowerCurrentThread(WRITER_NICENESS);
        LOG.debug("{}: writer at nice {}", file, nice.isPresent() ? nice.getAsInt() : "(unchanged)");
        try {
            while (true) {
                List<Pending> batch = new ArrayList<>();
                lock.lock();
                try {
                    while (queue.isEmpty() && !closing) {
                        queued.awaitUninterruptibly();
                    }
                    if (queue.isEmpty()) {
                        return;
                    }
                    awaitCompany();
                    urgent = false;
                    batch.addAll(queue);
                    queue.clear();
                    writes++;
                } finally {
                    lock.unlock();
                }
                beforeWrite.run();
                write(batch);
                noteCompactionDue();
            }
        } finally {
            closeAppender();
        }
    }

    /** Under the lock, with something queued: waits for the group-commit window unless it is urgent. */
    private void awaitCompany() {
        while (!urgent && !closing) {
            long left = queuedSince + groupCommitNanos - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                queued.awaitNanos(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** What waits for company is written now; returns at once (nobody waits for the disk here). */
    public void writeSoon() {
        lock.lock();
        try {
            if (!queue.isEmpty()) {
                hurry();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: the writer takes what is queued now, without waiting for the window. */
    private void hurry() {
        urgent = true;
        queued.signal();
    }

    /** Tests: how long changes nobody waits for may wait for company. */
    void groupCommit(Duration window) {
        lock.lock();
        try {
            groupCommitNanos = window.toNanos();
            queued.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Tests: batches written so far, appends and full saves. */
    long writes() {
        lock.lock();
        try {
            return writes;
        } finally {
            lock.unlock();
        }
    }

    private void write(List<Pending> batch) {
        int lastFull = -1;
        for (int i = 0; i < batch.size(); i++) {
            if (batch.get(i).full()) {
                lastFull = i;
            }
        }
        List<Pending> toWrite = lastFull >= 0 ? batch.subList(lastFull, batch.size()) : batch;
        int size = 0;
        for (Pending p : toWrite) {
            size += p.bytes().length;
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        toWrite.forEach(p -> buf.put(p.bytes()));
        buf.flip();
        long seq = batch.get(batch.size() - 1).seq();
        try {
            if (lastFull >= 0) {
                replace(buf);
                done(seq, size, size, size, batch.get(lastFull).compaction());
                if (batch.get(lastFull).compaction()) {
                    LOG.debug("{}: compacted to {} bytes", file, size);
                }
            } else {
                append(buf);
                done(seq, size, -1, fileBytes() + size, false);
            }
        } catch (IOException e) {
            failed(e);
        }
    }

    /** Past the ratio, the next change is staged as a full save (see {@link #stage}). */
    private void noteCompactionDue() {
        lock.lock();
        try {
            if (fileBytes >= compaction.minBytes() && fileBytes > compaction.ratio() * baseBytes) {
                compactionDue = true;
            }
        } finally {
            lock.unlock();
        }
    }

    private long fileBytes() {
        lock.lock();
        try {
            return fileBytes;
        } finally {
            lock.unlock();
        }
    }

    private void done(long seq, long written, long newBase, long newFileBytes, boolean compacted) {
        lock.lock();
        try {
            durableSeq = Math.max(durableSeq, seq);
            bytesWritten += written;
            fileBytes = newFileBytes;
            if (newBase >= 0) {
                baseBytes = newBase;
            }
            if (compacted) {
                compactions++;
            }
            durable.signalAll();
        } finally {
            lock.unlock();
        }
        owner.durableUpTo(seq);
    }

    /**
     * A failed write is logged; the next stage writes a full save (the file may hold a torn
     * append, which a full replacement makes irrelevant). Waiters are released, not acknowledged
     * as durable: the room logs that it answers without a durable copy.
     */
    private void failed(IOException e) {
        LOG.warn("{}: write failed: {}", file, e.getMessage());
        closeAppender();
        long released;
        lock.lock();
        try {
            stagedHeads = null;
            durableSeq = nextSeq;
            released = durableSeq;
            durable.signalAll();
        } finally {
            lock.unlock();
        }
        owner.durableUpTo(released);
    }

    private void append(ByteBuffer buf) throws IOException {
        if (appender == null) {
            appender = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }
        while (buf.hasRemaining()) {
            appender.write(buf);
        }
        appender.force(false);
    }

    /** A full save replaces the file the one way files are replaced ({@link AtomicFiles}): it is always whole. */
    private void replace(ByteBuffer buf) throws IOException {
        closeAppender();
        AtomicFiles.write(file, buf);
    }

    private void closeAppender() {
        if (appender != null) {
            try {
                appender.close();
            } catch (IOException ignored) {
                // nothing left to flush: every append was forced
            }
            appender = null;
        }
    }

    /**
     * Writes what is still staged (and anything not yet staged), then stops the writer. After this
     * the file holds the whole document.
     */
    @Override
    public void close() {
        boolean keep;
        lock.lock();
        try {
            keep = everStaged;
        } finally {
            lock.unlock();
        }
        if (keep && !flush(Duration.ofSeconds(30))) {
            LOG.warn("{}: the last changes could not be written", file);
        }
        lock.lock();
        try {
            closing = true;
            queued.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            writer.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
