package io.runtimed.blob;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bytes of recently served small blobs, least recently used evicted first, bounded in total
 * bytes. A blob is named by its content, so an entry can never be stale; the server still checks
 * that the data file exists before it answers from here, so a deleted blob is 404 as before.
 */
final class SmallBlobCache {
    private final int maxEntryBytes;
    private final long maxTotalBytes;
    private final LinkedHashMap<String, byte[]> entries = new LinkedHashMap<>(256, 0.75f, true);
    private long totalBytes;

    SmallBlobCache(int maxEntryBytes, long maxTotalBytes) {
        this.maxEntryBytes = maxEntryBytes;
        this.maxTotalBytes = maxTotalBytes;
    }

    /** Blobs up to this size are kept. */
    int maxEntryBytes() {
        return maxEntryBytes;
    }

    synchronized byte[] get(String hash) {
        return entries.get(hash);
    }

    synchronized void put(String hash, byte[] data) {
        if (data.length > maxEntryBytes) {
            return;
        }
        byte[] old = entries.put(hash, data);
        totalBytes += data.length - (old == null ? 0 : old.length);
        var it = entries.entrySet().iterator();
        while (totalBytes > maxTotalBytes && it.hasNext()) {
            Map.Entry<String, byte[]> eldest = it.next();
            totalBytes -= eldest.getValue().length;
            it.remove();
        }
    }

    synchronized void remove(String hash) {
        byte[] old = entries.remove(hash);
        if (old != null) {
            totalBytes -= old.length;
        }
    }
}
