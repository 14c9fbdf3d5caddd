package io.runtimed.cli.runtimed;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.runtimed.blob.BlobGc;
import io.runtimed.blob.BlobStore;
import io.runtimed.outputs.OutputReferences;
import io.runtimed.outputs.ReachableBlobGc;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code runtimed blobs gc}: keeps every blob the persisted notebooks refer to, deletes the other
 * blobs not used for a while, then the least recently used others beyond a size cap, and says what
 * it freed and what it kept. Works on the directories themselves; no daemon is needed.
 */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = {
            "Never deletes a blob that an output of a notebook document in the notebook-docs directory "
                    + "refers to (its manifest and the blobs the manifest names), whatever its age or "
                    + "the size cap.",
            "Of the other blobs, delete those not used for longer than --max-age-days, then the least "
                    + "recently used ones until the store is no larger than --max-total-size (when given).",
            "A blob's last use is the later of its data file's last-access time (updated by reads; "
                    + "at most daily on relatime mounts, never on noatime ones) and its last-modified "
                    + "time (set again when the same content is stored again).",
            "If a notebook document cannot be read, nothing is deleted (exit 1): the blobs it refers to "
                    + "are unknown. --ignore-unreadable skips such documents instead.",
            "Works on the directories directly and never changes a notebook document; the daemon may "
                    + "keep running."})
final class BlobsGcCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--max-age-days", paramLabel = "N", defaultValue = "30",
            description = "delete blobs not used for more than N days (default: ${DEFAULT-VALUE})")
    long maxAgeDays = 30;

    @Option(names = "--max-total-size", paramLabel = "SIZE",
            description = "then delete the least recently used blobs until at most SIZE bytes remain; "
                    + "SIZE takes a K, M, G or T suffix (powers of 1024), e.g. 500M or 2G")
    String maxTotalSize;

    @Option(names = "--blob-store-dir", paramLabel = "PATH", description = "blob store directory (default: <cache>/runt/blobs)")
    Path blobStoreDir;

    @Option(names = "--notebook-docs-dir", paramLabel = "PATH",
            description = "the daemon's notebook documents, whose outputs' blobs are kept (default: <cache>/runt/notebook-docs)")
    Path notebookDocsDir;

    @Option(names = "--ignore-unreadable",
            description = "skip notebook documents that cannot be read instead of deleting nothing; "
                    + "blobs only they refer to may then be deleted")
    boolean ignoreUnreadable;

    @Option(names = "--dry-run", description = "only report what would be deleted")
    boolean dryRun;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (maxAgeDays < 0) {
            err.println("Error: --max-age-days must not be negative");
            return 2;
        }
        OptionalLong cap = OptionalLong.empty();
        if (maxTotalSize != null) {
            try {
                cap = OptionalLong.of(ByteSize.parse(maxTotalSize));
            } catch (IllegalArgumentException e) {
                err.println("Error: --max-total-size: " + e.getMessage());
                return 2;
            }
        }
        RuntPaths paths = RuntPaths.current();
        Path dir = blobStoreDir != null ? blobStoreDir.toAbsolutePath() : paths.defaultBlobDir();
        Path docs = notebookDocsDir != null ? notebookDocsDir.toAbsolutePath() : paths.notebookDocsDir();
        PrintWriter out = spec.commandLine().getOut();
        ReachableBlobGc.Report report;
        try {
            report = new ReachableBlobGc(new BlobStore(dir), docs)
                    .collect(Duration.ofDays(maxAgeDays), cap, Instant.now(), dryRun, ignoreUnreadable);
        } catch (OutputReferences.UnreadableDocumentsException e) {
            for (OutputReferences.Unreadable u : e.files()) {
                err.println("Error: notebook document " + u.file() + ": " + u.problem());
            }
            err.println("Error: nothing deleted: the blobs an unreadable notebook document refers to are unknown "
                    + "(--ignore-unreadable skips it)");
            return 1;
        } catch (IOException e) {
            err.println("Error: " + dir + ": " + e.getMessage());
            return 1;
        }
        for (OutputReferences.Unreadable u : report.skipped()) {
            err.println("Warning: skipped notebook document " + u.file() + ": " + u.problem());
        }
        BlobGc.Result r = report.result();
        if (json) {
            out.println(Json.pretty(new Report(r, dir.toString(), docs.toString(), report.notebookDocuments(),
                    report.skipped().stream().map(u -> u.file().toString()).toList())));
        } else {
            out.printf("%s %d %s, %s %s (%d bytes); %d %s (%s) kept in %s%n",
                    dryRun ? "Would delete" : "Deleted", r.deletedBlobs(), blobs(r.deletedBlobs()),
                    dryRun ? "freeing" : "freed", ByteSize.format(r.freedBytes()), r.freedBytes(),
                    r.keptBlobs(), blobs(r.keptBlobs()), ByteSize.format(r.keptBytes()), dir);
            out.printf("Referenced by %d notebook %s in %s: %d %s (%s), kept; unreferenced: %d %s, %d (%s) kept%n",
                    report.notebookDocuments(), report.notebookDocuments() == 1 ? "document" : "documents", docs,
                    r.referencedBlobs(), blobs(r.referencedBlobs()), ByteSize.format(r.referencedBytes()),
                    r.deletedBlobs(), dryRun ? "would be deleted" : "deleted",
                    r.unreferencedKeptBlobs(), ByteSize.format(r.unreferencedKeptBytes()));
        }
        out.flush();
        return 0;
    }

    private static String blobs(int n) {
        return n == 1 ? "blob" : "blobs";
    }

    /**
     * {@code --json}: the gc's result and where the references came from ({@code skipped_documents}
     * lists the unreadable documents skipped with {@code --ignore-unreadable}).
     */
    record Report(@JsonUnwrapped BlobGc.Result result, String blobStoreDir, String notebookDocsDir,
                  int notebookDocuments, List<String> skippedDocuments) {
    }
}
