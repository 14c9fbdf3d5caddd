package io.runtimed.outputs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.blob.BlobStore;
import io.runtimed.protocol.BlobHash;
import io.runtimed.rooms.DocumentStore;
import io.runtimed.sync.DocumentDecodeException;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.sync.notebook.NotebookDoc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.automerge.Document;

/**
 * The blobs the persisted notebooks refer to, for the blob gc: every output entry of every cell of
 * every notebook document file that names a manifest (KERNELS.md §8.3: 64 hex digits), and every
 * blob such a manifest's content refs name (§8.2: the values of {@code data}, {@code text} and
 * {@code traceback}, each {@code {"blob":"<hash>","size":n}} or inline). Open rooms are covered:
 * the daemon writes every change of a room to its file as it happens.
 *
 * <p>Read-only: a document file is read and loaded in memory (a torn last append cut off there,
 * never in the file), and a file that does not load is reported, never renamed aside as
 * {@link DocumentStore#read} would; the daemon may be writing these files meanwhile. Reading a
 * manifest may update its data file's last-access time, which only makes a kept blob look used.
 *
 * <p>Not yet references: JSON in a cell's {@code attachments} or other Str keys.
 */
public final class OutputReferences {
    /** The file name pattern of a notebook document (NOTEBOOK.md §4). */
    static final String DOCUMENT_GLOB = "*.automerge";

    /** A document file that could not be read or does not load, and why. */
    public record Unreadable(Path file, String problem) {
    }

    /** Some document files could not be read: which blobs they refer to is unknown. */
    public static final class UnreadableDocumentsException extends Exception {
        private final List<Unreadable> files;

        UnreadableDocumentsException(List<Unreadable> files) {
            super(files.size() + " unreadable notebook document(s), first " + files.get(0).file() + ": "
                    + files.get(0).problem());
            this.files = List.copyOf(files);
        }

        public List<Unreadable> files() {
            return files;
        }
    }

    /**
     * What a scan found: the referenced hashes (lowercase; manifests and their content, whether
     * stored or not), how many documents were read, and the files that could not be (skipped).
     */
    public record Found(Set<String> hashes, int documents, List<Unreadable> unreadable) {
        public Found {
            hashes = Set.copyOf(hashes);
            unreadable = List.copyOf(unreadable);
        }
    }

    private final Path notebookDocsDir;
    private final BlobStore store;

    /**
     * @param notebookDocsDir the daemon's notebook documents ({@code RuntPaths.notebookDocsDir()});
     *                        a missing directory holds no references
     * @param store           where the manifests are read from
     */
    public OutputReferences(Path notebookDocsDir, BlobStore store) {
        this.notebookDocsDir = notebookDocsDir;
        this.store = store;
    }

    /**
     * Scans every document file and follows every manifest they name.
     *
     * @param skipUnreadable whether a document file that cannot be read or loaded is skipped (and
     *                       listed in {@link Found#unreadable}) rather than failing the scan
     * @throws UnreadableDocumentsException when a document cannot be read and may not be skipped:
     *                                      no set of references is then complete
     * @throws IOException when the directory or a stored manifest cannot be read
     */
    public Found find(boolean skipUnreadable) throws IOException, UnreadableDocumentsException {
        Set<String> manifests = new HashSet<>();
        List<Unreadable> unreadable = new ArrayList<>();
        int documents = 0;
        for (Path file : documentFiles()) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                continue; // removed since the listing: it refers to nothing any more
            } catch (IOException e) {
                unreadable.add(new Unreadable(file, "cannot be read: " + e.getMessage()));
                continue;
            }
            Optional<List<NotebookCell>> cells = cells(bytes);
            if (cells.isEmpty()) {
                unreadable.add(new Unreadable(file, "not an Automerge document"));
                continue;
            }
            documents++;
            for (NotebookCell cell : cells.get()) {
                for (String entry : cell.outputs()) {
                    if (ManifestResolver.isManifestHash(entry)) {
                        manifests.add(entry.toLowerCase(Locale.ROOT));
                    }
                }
            }
        }
        if (!unreadable.isEmpty() && !skipUnreadable) {
            throw new UnreadableDocumentsException(unreadable);
        }
        Set<String> hashes = new HashSet<>(manifests);
        for (String manifest : manifests) {
            hashes.addAll(contentBlobs(manifest));
        }
        return new Found(hashes, documents, unreadable);
    }

    private List<Path> documentFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(notebookDocsDir, DOCUMENT_GLOB)) {
            for (Path entry : entries) {
                if (Files.isRegularFile(entry)) {
                    files.add(entry);
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            // no notebook was ever persisted here
        }
        files.sort(null);
        return files;
    }

    /** The document's cells, or empty when the bytes (even without a torn last append) do not load. */
    private static Optional<List<NotebookCell>> cells(byte[] bytes) {
        Document doc;
        try {
            doc = DocumentStore.load(bytes).doc();
        } catch (DocumentDecodeException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(NotebookDoc.cells(doc));
        } finally {
            NativeHandles.free(doc);
        }
    }

    /**
     * The blobs one manifest's content refs name. A manifest not stored names nothing that could
     * be shown; one that is not a JSON object cannot be resolved, so nothing it names is reachable.
     */
    private Set<String> contentBlobs(String manifest) throws IOException {
        Optional<byte[]> bytes = store.get(manifest);
        if (bytes.isEmpty()) {
            return Set.of();
        }
        JsonNode m;
        try {
            m = OutputJson.parse(new String(bytes.get(), StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            return Set.of();
        }
        Set<String> out = new HashSet<>();
        for (JsonNode ref : m.path("data")) {
            addBlob(ref, out);
        }
        addBlob(m.get("text"), out);
        addBlob(m.get("traceback"), out);
        return out;
    }

    private static void addBlob(JsonNode ref, Set<String> out) {
        if (ref != null && ref.path("blob").isTextual() && BlobHash.isValid(ref.get("blob").textValue())) {
            out.add(ref.get("blob").textValue().toLowerCase(Locale.ROOT));
        }
    }
}
