package io.runtimed.rooms.notebook;

import io.runtimed.sync.notebook.NotebookDoc;
import io.runtimed.rooms.DocumentStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.automerge.Document;

/**
 * Where a notebook room's document lives on disk (NOTEBOOK.md §4) and how it is loaded (§7); the
 * writing is the shared {@link DocumentStore}'s.
 */
public final class NotebookStore {
    private NotebookStore() {
    }

    /** §4: lowercase hex SHA-256 of the id's UTF-8 bytes, plus {@code .automerge}. */
    public static String fileName(String notebookId) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(notebookId.getBytes(StandardCharsets.UTF_8))) + ".automerge";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }

    public static Path fileFor(Path docsDir, String notebookId) {
        return docsDir.resolve(fileName(notebookId));
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
