package io.runtimed.ipynb;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.outputs.ManifestResolver;
import io.runtimed.outputs.OutputBlobs;
import io.runtimed.paths.AtomicFiles;
import io.runtimed.protocol.BlobHash;
import io.runtimed.protocol.NotebookResponse;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.notebook.NotebookDoc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A path-backed room's {@code .ipynb} file (KERNELS.md §9): loaded into the document when the room
 * is created (§9.4 (ours)) and saved from it on {@code save_notebook} (§9.1 (ours)). The notebook id
 * is the file's absolute path (§1.1); any other id has no file.
 */
public final class NotebookFiles {
    private static final Logger LOG = LoggerFactory.getLogger(NotebookFiles.class);
    /** The document's {@code metadata} key that tells every window why its file could not be loaded. */
    public static final String LOAD_ERROR = "load_error";

    private NotebookFiles() {
    }

    /** The file of a notebook id: an absolute path, else empty (an untitled notebook's UUID, say). */
    public static Optional<Path> fileOf(String notebookId) {
        try {
            Path p = Path.of(notebookId);
            return p.isAbsolute() ? Optional.of(p) : Optional.empty();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    /** The {@code .ipynb} file of a notebook id: an absolute path ending in {@code .ipynb}, else empty. */
    public static Optional<Path> ipynbOf(String notebookId) {
        return fileOf(notebookId).filter(p -> p.getFileName() != null && p.getFileName().toString().endsWith(".ipynb"));
    }

    /** What a save wrote: the notebook without its outputs ({@link #slim}) and the file's SHA-256. */
    record Written(ObjectNode slim, String hash) {
    }

    /**
     * §9.4 (ours): when the document has no cells and the id names an existing file, reads the file
     * into it (outputs stored through {@code blobs}; null: kept as their JSON) before anyone syncs.
     * A file that does not read as an nbformat 4 notebook is left alone, and the document's
     * {@link #LOAD_ERROR} says why; a save then refuses to write over it. True when cells were loaded.
     */
    public static boolean loadIfEmpty(String notebookId, DocumentOwner owner, OutputBlobs blobs) {
        Optional<Path> file = ipynbOf(notebookId).filter(Files::isRegularFile);
        if (file.isEmpty()) {
            return false;
        }
        try {
            return loadIfEmpty(notebookId, file.get(), Files.readAllBytes(file.get()), owner, blobs, n -> { });
        } catch (IOException e) {
            String problem = file.get() + " could not be loaded: " + e.getMessage();
            LOG.warn("{}", problem);
            owner.change(tx -> NotebookDoc.setMetadata(tx, LOAD_ERROR, problem));
            return false;
        }
    }

    /** As {@link #loadIfEmpty(String, DocumentOwner, OutputBlobs)}, given the file's bytes; {@code loaded} gets its notebook, slim. */
    static boolean loadIfEmpty(String notebookId, Path file, byte[] bytes, DocumentOwner owner, OutputBlobs blobs,
                               java.util.function.Consumer<ObjectNode> loaded) {
        if (owner.read(NotebookDoc::cellCount) > 0) {
            return false;
        }
        NotebookImport.Prepared prepared;
        try {
            ObjectNode notebook = NbformatJson.read(bytes);
            prepared = NotebookImport.prepare(notebook, blobs, notebookId);
            loaded.accept(slim(notebook));
        } catch (NotebookFileException e) {
            String problem = file + " could not be loaded: " + e.getMessage();
            LOG.warn("{}", problem);
            owner.change(tx -> NotebookDoc.setMetadata(tx, LOAD_ERROR, problem));
            return false;
        }
        // the file is the durable copy: nobody need wait for the document's fsync (nor its blobs')
        owner.changeEventually(prepared::apply);
        LOG.info("loaded {} cells from {}", prepared.cellCount(), file);
        return true;
    }

    /** §9.1 with every "(ours)": see {@link NotebookExport}; refusals are {@code error} results. */
    public static NotebookResponse save(String notebookId, DocumentOwner owner, OutputBlobs blobs, boolean force) {
        return save(notebookId, owner, blobs, force, Optional.empty(), n -> { });
    }

    /**
     * As {@link #save(String, DocumentOwner, OutputBlobs, boolean)}. {@code known}: the file's
     * notebook as {@link #slim} gives it, when the caller knows the file holds it (then the file is
     * not read again); {@code written} gets what was written.
     */
    static NotebookResponse save(String notebookId, DocumentOwner owner, OutputBlobs blobs, boolean force,
                                 Optional<ObjectNode> known, java.util.function.Consumer<Written> written) {
        Optional<Path> target = fileOf(notebookId);
        if (target.isEmpty()) {
            return failed("the notebook id is not an absolute path: " + notebookId);
        }
        Path file = target.get();
        Optional<ObjectNode> old = known;
        try {
            if (old.isEmpty()) {
                old = Optional.of(slim(NbformatJson.read(Files.readAllBytes(file))));
            }
        } catch (NoSuchFileException e) {
            old = Optional.empty();
        } catch (IOException | NotebookFileException e) {
            if (!force) {
                return failed(file + " is not a notebook this daemon can read (" + e.getMessage()
                        + "); nothing was written over it (save with force to replace it)");
            }
            old = Optional.empty();
        }
        if (!force && NotebookExport.cellCount(owner) == 0 && old.map(o -> o.path("cells").size() > 0).orElse(false)) {
            return failed("the document has no cells and " + file + " has some; nothing was written over it "
                    + "(save with force to empty the file)");
        }
        if (file.getParent() != null && !Files.isDirectory(file.getParent())) {
            return failed("the directory " + file.getParent() + " does not exist");
        }
        ObjectNode notebook = NotebookExport.build(owner, old, new ManifestResolver(blobs));
        try {
            byte[] bytes = NbformatJson.write(notebook).getBytes(StandardCharsets.UTF_8);
            AtomicFiles.write(file, bytes);
            written.accept(new Written(slim(notebook), BlobHash.of(bytes)));
        } catch (IOException e) {
            return failed(e.getMessage());
        }
        return new NotebookResponse.NotebookSaved();
    }

    /**
     * What a save needs of the file it replaces: everything but the outputs (it writes the
     * document's), so that a room can keep it between saves at little cost.
     */
    static ObjectNode slim(ObjectNode notebook) {
        ObjectNode copy = notebook.deepCopy();
        copy.path("cells").forEach(c -> {
            if (c instanceof ObjectNode cell) {
                cell.remove("outputs");
            }
        });
        return copy;
    }

    private static NotebookResponse failed(String why) {
        return new NotebookResponse.Error("Failed to save notebook: " + why);
    }
}
