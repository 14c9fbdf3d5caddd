package io.runtimed.blob;

import io.runtimed.protocol.BlobMeta;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the HTTP server reads of a blob: its bytes and its media type. Small blobs, which a notebook
 * shows many of, come from a bounded cache once read; larger ones stay in their file, which the
 * server sends without copying it through memory. Deferred blobs (not yet committed) are read from
 * their temp file, as {@link BlobStore#open} finds them.
 */
final class BlobReader {
    private static final Logger LOG = LoggerFactory.getLogger(BlobReader.class);
    static final String OCTET_STREAM = "application/octet-stream";
    /** Blobs up to 64 KiB are served from memory once read, up to 32 MiB of them. */
    private static final int SMALL_BLOB_BYTES = 64 * 1024;
    private static final long SMALL_BLOBS_TOTAL_BYTES = 32L * 1024 * 1024;
    private static final int MEDIA_TYPE_CACHE = 4096;

    /** A blob's bytes for one response; the caller closes it. */
    sealed interface Body extends AutoCloseable {
        long size();

        @Override
        void close();
    }

    /** A small blob, in memory. */
    record Bytes(byte[] data) implements Body {
        @Override
        public long size() {
            return data.length;
        }

        @Override
        public void close() {
        }
    }

    /** A larger blob, open for reading; whoever sends it takes over (and closes) the channel. */
    record File(FileChannel channel, long size) implements Body {
        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("closing a blob file: {}", e.getMessage());
            }
        }
    }

    private final BlobStore store;
    private final SmallBlobCache smallBlobs = new SmallBlobCache(SMALL_BLOB_BYTES, SMALL_BLOBS_TOTAL_BYTES);
    /**
     * Media types by hash. A sidecar is never rewritten (the first store wins), so a cached type
     * stays right; reading and parsing the sidecar for every request would cost more than sending
     * a small blob. A blob deleted by the gc and stored again with another type keeps the old
     * type here until the daemon restarts.
     */
    private final Map<String, String> mediaTypes = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > MEDIA_TYPE_CACHE;
        }
    });

    BlobReader(BlobStore store) {
        this.store = store;
    }

    /**
     * The blob's bytes: those the store still holds in memory for a deferred blob, or from the
     * small-blob cache when the data file still exists, else from the
     * file (a small one is read whole and cached, a large one left open). Empty when not stored.
     * {@code hash} must be valid (BLOBS.md §3).
     */
    Optional<Body> open(String hash) throws IOException {
        byte[] cached = smallBlobs.get(hash);
        if (cached != null) {
            if (store.exists(hash)) {
                return Optional.of(new Bytes(cached));
            }
            smallBlobs.remove(hash);
            return Optional.empty();
        }
        Optional<byte[]> held = store.held(hash);
        if (held.isPresent()) {
            // an output's blob not yet written (BlobStore: deferred blobs)
            return Optional.of(new Bytes(held.get()));
        }
        Optional<FileChannel> opened = store.open(hash);
        if (opened.isEmpty()) {
            return Optional.empty();
        }
        FileChannel file = opened.get();
        long size;
        try {
            size = file.size();
        } catch (IOException e) {
            file.close();
            throw e;
        }
        if (size > smallBlobs.maxEntryBytes()) {
            return Optional.of(new File(file, size));
        }
        try (file) {
            byte[] data = new byte[(int) size];
            ByteBuffer bb = ByteBuffer.wrap(data);
            while (bb.hasRemaining()) {
                if (file.read(bb, bb.position()) < 0) {
                    throw new IOException("blob shrank while it was read");
                }
            }
            smallBlobs.put(hash, data);
            return Optional.of(new Bytes(data));
        }
    }

    /** Sidecar media type; a missing or unreadable sidecar means octet-stream (BLOBS.md §5). */
    String mediaType(String hash) {
        String cached = mediaTypes.get(hash);
        if (cached != null) {
            return cached;
        }
        try {
            Optional<BlobMeta> meta = store.meta(hash);
            if (meta.isEmpty()) {
                return OCTET_STREAM; // not cached: the sidecar may still be on its way
            }
            mediaTypes.put(hash, meta.get().mediaType());
            return meta.get().mediaType();
        } catch (IOException e) {
            LOG.debug("blob {}: metadata: {}", hash, e.getMessage());
            return OCTET_STREAM;
        }
    }
}
