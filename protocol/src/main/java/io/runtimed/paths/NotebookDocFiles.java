package io.runtimed.paths;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * NOTEBOOK.md §4: the name of a notebook room's persisted document in {@code notebook-docs}, which
 * the daemon writes and {@code runt notebook show} reads when no daemon runs.
 */
public final class NotebookDocFiles {
    private NotebookDocFiles() {
    }

    /** Lowercase hex SHA-256 of the id's UTF-8 bytes, plus {@code .automerge}. */
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
}
