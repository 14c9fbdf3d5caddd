package io.runtimed.cli.runtimed;

import io.runtimed.blob.BlobGc;
import io.runtimed.blob.BlobStore;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code runtimed blobs gc}: deletes blobs not used for a while, then the least recently used ones
 * beyond a size cap, and says what it freed. Works on the directory itself; no daemon is needed.
 */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = {
            "Delete blobs not used for longer than --max-age-days, then the least recently used ones "
                    + "until the store is no larger than --max-total-size (when given).",
            "A blob's last use is the later of its data file's last-access time (updated by reads; "
                    + "at most daily on relatime mounts, never on noatime ones) and its last-modified "
                    + "time (set again when the same content is stored again).",
            "Works on the directory directly; the daemon may keep running."})
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
        Path dir = blobStoreDir != null ? blobStoreDir.toAbsolutePath() : RuntPaths.current().defaultBlobDir();
        PrintWriter out = spec.commandLine().getOut();
        BlobGc.Result r;
        try {
            r = new BlobGc(new BlobStore(dir)).collect(Duration.ofDays(maxAgeDays), cap, Instant.now(), dryRun);
        } catch (IOException e) {
            err.println("Error: " + dir + ": " + e.getMessage());
            return 1;
        }
        if (json) {
            out.println(Json.pretty(r));
        } else {
            out.printf("%s %d %s, %s %s (%d bytes); %d %s (%s) kept in %s%n",
                    dryRun ? "Would delete" : "Deleted", r.deletedBlobs(), r.deletedBlobs() == 1 ? "blob" : "blobs",
                    dryRun ? "freeing" : "freed", ByteSize.format(r.freedBytes()), r.freedBytes(),
                    r.keptBlobs(), r.keptBlobs() == 1 ? "blob" : "blobs", ByteSize.format(r.keptBytes()), dir);
        }
        out.flush();
        return 0;
    }
}
