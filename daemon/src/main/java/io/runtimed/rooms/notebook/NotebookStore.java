package io.runtimed.rooms.notebook;

import io.runtimed.rooms.DocumentStore;
import io.runtimed.sync.notebook.NotebookDoc;
import java.nio.file.Path;
import org.automerge.Document;

/**
 * How a notebook room's document is loaded (NOTEBOOK.md §7; its file is named by
 * {@link io.runtimed.paths.NotebookDocFiles}); the writing is the shared {@link DocumentStore}'s.
 */
public final class NotebookStore {
    private NotebookStore() {
    }

    /** A loaded (or fresh) document, which the caller owns and frees, and what the file held. */
    public record Loaded(Document doc, boolean onDisk, long fileBytes) {
    }

    /**
     * §7: the room's file as {@link DocumentStore#read} finds it (a torn last append cut off, a
     * corrupt file kept as {@code .corrupt}), or a fresh document when there is none to use.
     */
    public static Loaded load(Path file, String notebookId) {
        return DocumentStore.read(file)
                .map(l -> new Loaded(l.doc(), true, l.fileBytes()))
                .orElseGet(() -> new Loaded(NotebookDoc.createFresh(notebookId), false, 0));
    }
}
