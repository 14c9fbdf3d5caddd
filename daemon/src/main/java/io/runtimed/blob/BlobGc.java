package io.runtimed.blob;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Garbage collection for a blob store, which the reference never does (README gap 11): a blob the
 * caller names as referenced is never deleted; of the others, first every blob not used for longer
 * than a maximum age goes, then, while the store (referenced blobs included) is larger than a size
 * cap, the least recently used. "Used" is the later of the data file's last-access time (which the kernel
 * updates on reads, at most daily under the usual relatime mount option) and its last-modified time
 * (which the store sets again when the same content is stored again).
 *
 * <p>It works on the directory directly and needs no daemon. A blob that a window stores again
 * while the gc deletes it may be lost; with the default age of 30 days that needs a blob unused for
 * a month and stored again in the same instant.
 */
public final class BlobGc {
    /**
     * What a run removed and what it left: {@code kept*} counts every blob left, {@code referenced*}
     * those of them kept because they are referenced (whatever their age or the cap).
     */
    public record Result(int deletedBlobs, long freedBytes, int keptBlobs, long keptBytes,
                         int referencedBlobs, long referencedBytes, boolean dryRun) {
        /** Blobs left that are not referenced: young enough and within the cap. */
        @JsonProperty
        public int unreferencedKeptBlobs() {
            return keptBlobs - referencedBlobs;
        }

        @JsonProperty
        public long unreferencedKeptBytes() {
            return keptBytes - referencedBytes;
        }
    }

    private final BlobStore store;

    public BlobGc(BlobStore store) {
        this.store = store;
    }

    /**
     * Deletes blobs not in {@code referenced} and unused for longer than {@code maxAge} (relative to
     * {@code now}), then the least recently used unreferenced ones until at most
     * {@code maxTotalBytes} remain (when given; referenced blobs count towards it but are never
     * deleted, so the cap may stay exceeded). With {@code dryRun} it only reports what it would
     * delete.
     *
     * @param referenced lowercase hashes that must survive
     */
    public Result collect(Set<String> referenced, Duration maxAge, OptionalLong maxTotalBytes, Instant now,
                          boolean dryRun) throws IOException {
        List<BlobUsage> blobs = new ArrayList<>();
        int referencedBlobs = 0;
        long referencedBytes = 0;
        long total = 0;
        for (String hash : store.list()) {
            Optional<BlobUsage> usage = store.usage(hash);
            if (usage.isEmpty()) {
                continue;
            }
            total += usage.get().size();
            if (referenced.contains(hash.toLowerCase(Locale.ROOT))) {
                referencedBlobs++;
                referencedBytes += usage.get().size();
            } else {
                blobs.add(usage.get());
            }
        }
        // oldest first, so that the size cap removes the least recently used
        blobs.sort(Comparator.comparing(BlobUsage::lastUsed).thenComparing(BlobUsage::hash));
        Instant cutoff = now.minus(maxAge);
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
        return new Result(deleted, freed, referencedBlobs + blobs.size() - deleted, total, referencedBlobs,
                referencedBytes, dryRun);
    }
}
