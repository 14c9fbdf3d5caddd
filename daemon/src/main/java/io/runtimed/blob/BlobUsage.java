package io.runtimed.blob;

import java.time.Instant;

/** A stored blob's size and when it was last used (the later of its data file's access and modification times). */
public record BlobUsage(String hash, long size, Instant lastUsed) {
}
