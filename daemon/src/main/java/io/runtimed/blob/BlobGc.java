package io.runtimed.blob;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

/**
 * Garbage collection for a blob store, which the reference never does (README gap 11): first every
 * blob not used for longer than a maximum age goes, then, while the rest is larger than a size cap,
 * the least recently used. "Used" is the later of the data file's last-access time (which the kernel
 * updates on reads, at most daily under the usual relatime mount option) and its last-modified time
 * (which the store sets again when the same content is stored again).
 *
 * <p>It works on the directory directly and needs no daemon. A blob that a window stores again
 * while the gc deletes it may be lost; with the default age of 30 days that needs a blob unused for
 * a month and stored again in the same instant.
 */
public final class BlobGc {
    /** What a run removed and what it left. */
    public record Result(int deletedBlobs, long freedBytes, int keptBlobs, long keptBytes, boolean dryRun) {
    }

    private final BlobStore store;

    public BlobGc(BlobStore store) {
        this.store = store;
    }

    /**
     * Deletes blobs unused for longer than {@code maxAge} (relative to {@code now}), then the least
     * recently used ones until at most {@code maxTotalBytes} remain (when given). With
     * {@code dryRun} it only reports what it would delete.
     */
    public Result collect(Duration maxAge, OptionalLong maxTotalBytes, Instant now, boolean dryRun) throws IOException {
        List<BlobUsage> blobs = new ArrayList<>();
        for (String hash : store.list()) {
            store.usage(hash).ifPresent(blobs::add);
        }
        // oldest first, so that the size cap removes the least recently used
        blobs.sort(Comparator.comparing(BlobUsage::lastUsed).thenComparing(BlobUsage::hash));
        Instant cutoff = now.minus(maxAge);
        long total = blobs.stream().mapToLong(BlobUsage::size).sum();
        int deleted = 0;
        long freed = 0;
        for (BlobUsage b : blobs) {
            boolean tooOld = b.lastUsed().isBefore(cutoff);
            boolean overCap = maxTotalBytes.isPresent() && total > maxTotalBytes.getAsLong();
            if (!tooOld && !overCap) {
                // sorted by age: nothing after this one is older, and the cap is met
                break;
            }
            if (dryRun || store.delete(b.hash())) {
                deleted++;
                freed += b.size();
                total -= b.size();
            }
        }
        return new Result(deleted, freed, blobs.size() - deleted, total, dryRun);
    }
}
