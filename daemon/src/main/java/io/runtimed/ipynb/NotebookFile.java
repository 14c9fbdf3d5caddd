package io.runtimed.ipynb;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.outputs.ManifestResolver;
import io.runtimed.protocol.BlobHash;
import io.runtimed.protocol.NotebookResponse;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.notebook.NotebookDoc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code .ipynb} file of one path-backed room, kept in step with the document (issue 15 part
 * 3): loaded when the room opens, saved on request, autosaved after {@link NotebookFileService#QUIET}
 * without edits and at least every {@link NotebookFileService#AT_MOST} while editing, and reloaded
 * as a minimal change when someone else changes the file while the room has no unsaved edits.
 *
 * <p>A file is never silently overwritten: the <em>base</em> is what the file held when the room
 * last loaded or saved it (its SHA-256) and the document's heads then. When the file changed on
 * disk and the document changed too, the room is in <em>conflict</em>: autosave stops, every window
 * sees {@link #CONFLICT} in the document's metadata, and {@code save_notebook} refuses until it is
 * forced; a forced save first keeps the file's version next to it
 * ({@code <name>.outside-<time>.ipynb}). Nothing is lost either way.
 *
 * <p>All file work runs on the service's one worker thread, so a room's own write is its base
 * before the watch's event for it is looked at; {@link #changed()} and {@link #changedOnDisk()}
 * only hand over.
 */
public final class NotebookFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NotebookFile.class);
    /** The document's {@code metadata} key that tells every window of a conflict with the file. */
    public static final String CONFLICT = "file_conflict";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final String notebookId;
    private final Path path;
    private final DocumentOwner owner;
    private final NotebookFileService service;
    private final Runnable documentChanged;
    /** Where the base is kept across daemon runs ({@link FileBase}); null: not kept. */
    private final Path baseRecord;
    /** When the first edit not yet saved was made (nanoTime; 0: none) and the last one. */
    private final AtomicLong firstUnsaved = new AtomicLong();
    private final AtomicLong lastEdit = new AtomicLong();
    // worker thread only
    private String baseHash;
    /** The base's notebook without outputs (what a save needs of the file it replaces), or null when unknown. */
    private ObjectNode slimBase;
    /** The document's heads (hex, sorted) when the base was taken. */
    private List<String> baseHeads;
    private boolean conflict;
    private ScheduledFuture<?> due;
    private boolean closed;

    private NotebookFile(String notebookId, Path path, DocumentOwner owner, NotebookFileService service,
                         Runnable documentChanged, Path baseRecord) {
        this.notebookId = notebookId;
        this.path = path;
        this.owner = owner;
        this.service = service;
        this.documentChanged = documentChanged;
        this.baseRecord = baseRecord;
    }

    /**
     * The file of a room whose id is an absolute {@code .ipynb} path, else empty. Loads the file
     * into an empty document; a document that already has cells (persisted from an earlier run) is
     * compared with the file, and when they differ the room starts in conflict.
     */
    public static Optional<NotebookFile> open(String notebookId, DocumentOwner owner, NotebookFileService service,
                                              Runnable documentChanged, Path documentFile) {
        Optional<Path> path = NotebookFiles.ipynbOf(notebookId);
        if (path.isEmpty()) {
            return Optional.empty();
        }
        NotebookFile f = new NotebookFile(notebookId, path.get(), owner, service, documentChanged,
                documentFile == null ? null : FileBase.pathFor(documentFile));
        try {
            f.onWorker(() -> {
                f.start();
                return null;
            });
        } catch (IOException e) {
            // unknown how the file and the document relate: never autosaved over until a forced save
            LOG.warn("cannot read {}: {}; autosave is off for it", f.path, e.getMessage());
            f.conflict = true;
        }
        service.watch(f);
        return Optional.of(f);
    }

    Path path() {
        return path;
    }

    private void start() {
        byte[] bytes = bytesOf(path);
        String hash = bytes == null ? null : BlobHash.of(bytes);
        if (bytes == null || NotebookFiles.loadIfEmpty(notebookId, path, bytes, owner, service.blobs(), n -> slimBase = n)) {
            setBase(hash, heads());
            return;
        }
        if (owner.read(NotebookDoc::cellCount) == 0) {
            baseHash = hash;
            baseHeads = heads();
            try {
                NbformatJson.read(bytes);
            } catch (NotebookFileException e) {
                // not a notebook (the document's load_error says why): never autosaved over
                conflict = true;
            }
            return;
        }
        // a document from an earlier run: which side changed while the daemon was away?
        Optional<FileBase> kept = baseRecord == null ? Optional.empty() : FileBase.read(baseRecord);
        if (kept.isPresent() && kept.get().fileHash().equals(hash)) {
            baseHash = hash;
            baseHeads = kept.get().heads();
            if (!heads().equals(baseHeads)) {
                changed(); // edits made after the last save: they are saved now
            }
        } else if (kept.isPresent() && heads().equals(kept.get().heads())) {
            baseHash = kept.get().fileHash();
            baseHeads = kept.get().heads();
            reload(bytes, hash); // the file changed, the document did not
        } else if (sameNotebook(bytes)) {
            setBase(hash, heads());
        } else {
            baseHash = hash;
            baseHeads = heads();
            conflict(kept.isPresent()
                    ? "the notebook file and the room's document both changed since the room last saved it"
                    : "the notebook file differs from the room's document kept since an earlier run");
        }
    }

    private List<String> heads() {
        return FileBase.hex(owner.heads());
    }

    /** The file and the document are in step now: remembered here and, for the next run, on disk. */
    private void setBase(String hash, List<String> heads) {
        baseHash = hash;
        baseHeads = heads;
        if (baseRecord != null && hash != null) {
            new FileBase(hash, heads).write(baseRecord);
        }
    }

    /** Whether the file's notebook, loaded as a room would, saves as the document does. */
    private boolean sameNotebook(byte[] fileBytes) {
        ObjectNode file;
        try {
            file = NbformatJson.read(fileBytes);
        } catch (NotebookFileException e) {
            return false;
        }
        DocumentOwner scratch = new DocumentOwner("scratch", NotebookDoc.createFresh(notebookId));
        try {
            NotebookImport.Prepared prepared = NotebookImport.prepare(file, service.blobs(), notebookId);
            scratch.change(prepared::apply);
            ManifestResolver resolver = new ManifestResolver(service.blobs());
            return NotebookExport.build(scratch, Optional.of(file), resolver)
                    .equals(NotebookExport.build(owner, Optional.of(file), resolver));
        } catch (NotebookFileException e) {
            return false;
        } finally {
            scratch.close();
        }
    }

    // ---- edits: autosave ----

    /** The document changed (a window's edit, an output): an autosave is due. Any thread; quick. */
    public void changed() {
        long now = System.nanoTime();
        lastEdit.set(now);
        if (firstUnsaved.compareAndSet(0, now)) {
            service.worker().execute(this::schedule);
        }
    }

    /** On the worker: the next autosave at the earlier of quiet-after-the-last-edit and at-most-after-the-first. */
    private void schedule() {
        if (closed || due != null && !due.isDone()) {
            return;
        }
        if (firstUnsaved.get() == 0) {
            return;
        }
        due = service.worker().schedule(this::autosaveIfDue, Math.max(0, dueAt() - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** The earlier of quiet-after-the-last-edit and at-most-after-the-first unsaved one (nanoTime). */
    private long dueAt() {
        return Math.min(lastEdit.get() + service.quiet().toNanos(), firstUnsaved.get() + service.atMost().toNanos());
    }

    private void autosaveIfDue() {
        due = null;
        if (closed || firstUnsaved.get() == 0) {
            return;
        }
        if (System.nanoTime() < dueAt()) {
            schedule();
            return;
        }
        autosave();
    }

    /** On the worker: writes the document when autosave is on and the file is still the base. */
    private void autosave() {
        firstUnsaved.set(0);
        if (conflict || !service.autosaveOn() || heads().equals(baseHeads)) {
            return;
        }
        if (baseHash == null) {
            // no file yet (an id that is a path of nothing): the first save is the user's, never ours
            return;
        }
        String now = hashOf(path);
        if (!baseHash.equals(now)) {
            conflict("the notebook file changed on disk while the room had edits that were not saved");
            return;
        }
        try {
            NotebookResponse r = write(false, now);
            if (!(r instanceof NotebookResponse.NotebookSaved)) {
                LOG.warn("autosave of {}: {}", path, r);
            }
        } catch (IOException e) {
            LOG.warn("autosave of {} failed: {}", path, e.getMessage());
        }
    }

    // ---- the file changed on disk ----

    /** The watch saw the file change (or vanish). Any thread. */
    void changedOnDisk() {
        service.worker().execute(this::checkDisk);
    }

    private void checkDisk() {
        if (closed) {
            return;
        }
        byte[] bytes = bytesOf(path);
        String now = bytes == null ? null : BlobHash.of(bytes);
        if (java.util.Objects.equals(now, baseHash) || conflict) {
            return; // our own write, no change, or a conflict already known
        }
        if (now != null && heads().equals(baseHeads)) {
            reload(bytes, now);
        } else {
            conflict(now == null ? "the notebook file was deleted or moved away while the room was open"
                    : "the notebook file changed on disk while the room had edits that were not saved");
        }
    }

    /** The file into the document as a minimal change: cells matched by id, sources spliced. */
    private void reload(byte[] bytes, String hash) {
        ObjectNode notebook;
        NotebookImport.Prepared prepared;
        try {
            notebook = NbformatJson.read(bytes);
            prepared = NotebookImport.prepare(notebook, service.blobs(), notebookId);
        } catch (NotebookFileException e) {
            // a writer half way through, most likely: its next event brings the whole file
            LOG.debug("{} changed but does not read as a notebook yet: {}", path, e.getMessage());
            return;
        }
        if (owner.change(prepared::applyAsChanges)) {
            documentChanged.run();
        }
        slimBase = NotebookFiles.slim(notebook);
        setBase(hash, heads());
        firstUnsaved.set(0);
        LOG.info("reloaded {} after it changed on disk", path);
    }

    private void conflict(String why) {
        conflict = true;
        LOG.warn("{}: {}; autosave stops until a save is forced", path, why);
        if (owner.changeEventually(tx -> NotebookDoc.setMetadata(tx, CONFLICT, why))) {
            documentChanged.run();
        }
    }

    // ---- save_notebook ----

    /** {@code save_notebook} (§9.1 (ours)), on the worker; {@code force} also settles a conflict. */
    public NotebookResponse save(boolean force) {
        try {
            return onWorker(() -> write(force, hashOf(path)));
        } catch (IOException e) {
            return new NotebookResponse.Error("Failed to save notebook: " + e.getMessage());
        }
    }

    /** A save, given the file's current hash ({@code now}, null when there is none). */
    private NotebookResponse write(boolean force, String now) throws IOException {
        boolean outside = !java.util.Objects.equals(baseHash, now) || conflict;
        if (outside && !force) {
            return new NotebookResponse.Error("Failed to save notebook: " + path + " changed on disk since the room "
                    + "loaded or saved it, or differs from the room's document; save with force to overwrite it "
                    + "(its version is then kept next to it)");
        }
        if (outside && now != null) {
            Path kept = path.resolveSibling(stem() + ".outside-" + LocalDateTime.now().format(STAMP) + ".ipynb");
            Files.copy(path, kept, StandardCopyOption.REPLACE_EXISTING);
            LOG.info("kept the version of {} found on disk as {}", path, kept.getFileName());
        }
        List<String> heads = heads();
        Optional<ObjectNode> known = outside ? Optional.empty() : Optional.ofNullable(slimBase);
        String[] writtenHash = new String[1];
        NotebookResponse r = NotebookFiles.save(notebookId, owner, service.blobs(), force, known, w -> {
            slimBase = w.slim();
            writtenHash[0] = w.hash();
        });
        if (r instanceof NotebookResponse.NotebookSaved) {
            if (heads().equals(heads)) {
                firstUnsaved.set(0);
            }
            if (conflict) {
                conflict = false;
                if (owner.changeEventually(tx -> NotebookDoc.removeMetadata(tx, CONFLICT))) {
                    documentChanged.run();
                }
                // only the note changed since the save: the document is still what the file holds
                heads = heads();
            }
            setBase(writtenHash[0], heads);
        }
        return r;
    }

    private String stem() {
        String name = path.getFileName().toString();
        return name.substring(0, name.length() - ".ipynb".length());
    }

    private static String hashOf(Path file) {
        byte[] bytes = bytesOf(file);
        return bytes == null ? null : BlobHash.of(bytes);
    }

    /** The file's bytes; null when it is missing or cannot be read (logged). */
    private static byte[] bytesOf(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}", file, e.getMessage());
            return null;
        }
    }

    private <T> T onWorker(Callable<T> work) throws IOException {
        try {
            return service.worker().submit(work).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Stops watching; an edit not yet autosaved is saved now (unless in conflict or autosave is off). */
    @Override
    public void close() {
        service.unwatch(this);
        try {
            onWorker(() -> {
                if (firstUnsaved.get() != 0) {
                    autosave();
                }
                closed = true;
                return null;
            });
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing {}: {}", path, e.getMessage());
        }
    }
}
