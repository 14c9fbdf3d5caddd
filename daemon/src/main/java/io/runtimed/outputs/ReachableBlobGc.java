package io.runtimed.outputs;

import io.runtimed.blob.BlobGc;
import io.runtimed.blob.BlobStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;

/**
 * {@code runtimed blobs gc}: the {@link BlobGc} of a store, keeping every blob the persisted
 * notebooks refer to ({@link OutputReferences}). It deletes nothing unless the references are
 * known: a notebook document that cannot be read stops it, unless told to skip such documents.
 */
public final class ReachableBlobGc {
    /** The gc's result, how many documents its references came from, and the documents skipped. */
    public record Report(BlobGc.Result result, int notebookDocuments, List<OutputReferences.Unreadable> skipped) {
        public Report {
            skipped = List.copyOf(skipped);
        }
    }

    private final BlobStore store;
    private final Path notebookDocsDir;

    public ReachableBlobGc(BlobStore store, Path notebookDocsDir) {
        this.store = store;
        this.notebookDocsDir = notebookDocsDir;
    }

    /**
     * Finds the references, then runs {@link BlobGc#collect} with them. The references are read
     * before the blobs are listed, so a blob stored meanwhile is at most seconds old.
     *
     * @param skipUnreadable collect even if some notebook documents cannot be read (blobs only they
     *                       refer to may be deleted)
     * @throws OutputReferences.UnreadableDocumentsException nothing was deleted: a document could
     *                                                       not be read
     */
    public Report collect(Duration maxAge, OptionalLong maxTotalBytes, Instant now, boolean dryRun, boolean skipUnreadable)
            throws IOException, OutputReferences.UnreadableDocumentsException {
        OutputReferences.Found refs = new OutputReferences(notebookDocsDir, store).find(skipUnreadable);
        BlobGc.Result result = new BlobGc(store).collect(refs.hashes(), maxAge, maxTotalBytes, now, dryRun);
        return new Report(result, refs.documents(), refs.unreadable());
    }
}
