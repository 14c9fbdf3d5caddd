package io.runtimed.blob;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.runtimed.protocol.BlobHash;
import io.runtimed.protocol.BlobMeta;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BLOBS.md §5: the read-only HTTP server on {@code 127.0.0.1} at an OS-chosen port. Routes on the
 * raw URI path only (no percent-decoding, query ignored): {@code GET /health} and
 * {@code GET /blob/<hash>}, everything else 404, other methods 405.
 *
 * <p>Beyond the reference, as browsers expect of immutable media: {@code HEAD}, an {@code ETag} that
 * is the hash with {@code If-None-Match} → 304, and one {@code Range} per request → 206 / 416. Large
 * bodies are streamed from the file through a fixed per-thread buffer, so memory does not grow with
 * blob size; small blobs, which a notebook shows many of, are served from a bounded cache.
 */
public final class BlobHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BlobHttpServer.class);
    /** BLOBS.md §5: blobs never change, so caches may keep them for a year without asking. */
    static final String CACHE_CONTROL = "public, max-age=31536000, immutable";
    static final String OCTET_STREAM = "application/octet-stream";
    private static final int COPY_BUFFER_BYTES = 256 * 1024;
    /** Requests waiting for a worker beyond this are served by the accepting thread (backpressure). */
    private static final int QUEUE = 256;
    /**
     * Concurrent responses; each holds at most two fixed buffers, so memory stays bounded. 4 and 16
     * measured alike for small blobs on 2 cores; 16 lets more large downloads run at once.
     * {@code -Druntimed.blob.httpWorkers} overrides it (for measurements).
     */
    private static final int WORKERS = Integer.getInteger("runtimed.blob.httpWorkers", 16);
    private static final long REQUEST_HEADER_TIMEOUT_SECONDS = 30;
    private static final int MEDIA_TYPE_CACHE = 4096;
    /** Blobs up to 64 KiB are served from memory once read, up to 32 MiB of them. */
    private static final int SMALL_BLOB_BYTES = 64 * 1024;
    private static final long SMALL_BLOBS_TOTAL_BYTES = 32L * 1024 * 1024;

    private final BlobStore store;
    private final HttpServer server;
    private final ThreadPoolExecutor workers;
    private final SmallBlobCache smallBlobs = new SmallBlobCache(SMALL_BLOB_BYTES, SMALL_BLOBS_TOTAL_BYTES);
    private final ThreadLocal<byte[]> buffers = ThreadLocal.withInitial(() -> new byte[COPY_BUFFER_BYTES]);
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

    private BlobHttpServer(BlobStore store, HttpServer server, ThreadPoolExecutor workers) {
        this.store = store;
        this.server = server;
        this.workers = workers;
    }

    /** Starts on {@code 127.0.0.1} at a port the OS picks (BLOBS.md §5). */
    public static BlobHttpServer start(BlobStore store) throws IOException {
        return start(store, new InetSocketAddress(InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1}), 0));
    }

    static BlobHttpServer start(BlobStore store, InetSocketAddress address) throws IOException {
        // The JDK server writes headers and body in separate segments; without TCP_NODELAY a small
        // response waits for the client's delayed ACK (tens of ms). Read once, when the server
        // class initialises; an explicit -D setting wins.
        setIfAbsent("sun.net.httpserver.nodelay", "true");
        // A client that takes longer than this to send its request line and headers is dropped, so
        // a few silent connections cannot hold every worker (the JDK's default is no limit).
        setIfAbsent("sun.net.httpserver.maxReqTime", Long.toString(REQUEST_HEADER_TIMEOUT_SECONDS));
        int threads = WORKERS;
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor workers = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE), r -> {
                    Thread t = new Thread(r, "blob-http-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        workers.allowCoreThreadTimeOut(true);
        HttpServer server;
        try {
            server = HttpServer.create(address, 128);
        } catch (IOException | RuntimeException e) {
            workers.shutdownNow();
            throw e;
        }
        BlobHttpServer s = new BlobHttpServer(store, server, workers);
        server.createContext("/", s::handle);
        server.setExecutor(workers);
        server.start();
        LOG.info("blob server on http://127.0.0.1:{}/", s.port());
        return s;
    }

    private static void setIfAbsent(String property, String value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops listening and drops connections in progress. */
    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }

    private void handle(HttpExchange ex) {
        try {
            Headers h = ex.getResponseHeaders();
            h.set("Access-Control-Allow-Origin", "*");
            String method = ex.getRequestMethod();
            boolean head = method.equals("HEAD");
            if (!head && !method.equals("GET")) {
                h.set("Allow", "GET, HEAD");
                text(ex, 405, "Method Not Allowed", false);
                return;
            }
            // BLOBS.md §5: the raw path, exact match, no percent-decoding; the query is ignored
            String path = ex.getRequestURI().getRawPath();
            if ("/health".equals(path)) {
                text(ex, 200, "OK", head);
            } else if (path != null && path.startsWith("/blob/")) {
                blob(ex, path.substring("/blob/".length()), head);
            } else {
                text(ex, 404, "Not Found", head);
            }
        } catch (IOException e) {
            LOG.debug("blob request {} {}: {}", ex.getRequestMethod(), ex.getRequestURI(), e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("blob request {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            internalError(ex);
        } finally {
            ex.close();
        }
    }

    private void blob(HttpExchange ex, String hash, boolean head) throws IOException {
        // BLOBS.md §3: an invalid hash is "not found" and is never turned into a path
        if (!BlobHash.isValid(hash)) {
            text(ex, 404, "Not Found", head);
            return;
        }
        Optional<Body> opened;
        try {
            opened = openBody(hash);
        } catch (IOException e) {
            LOG.warn("blob {}: {}", hash, e.getMessage());
            text(ex, 500, "Internal Server Error", head);
            return;
        }
        if (opened.isEmpty()) {
            text(ex, 404, "Not Found", head);
            return;
        }
        try (Body body = opened.get()) {
            long size = body.size();
            String contentType = contentType(hash);
            if (!isHeaderValue(contentType)) {
                // BLOBS.md §5: a media type that is not a legal header value is a 500
                LOG.warn("blob {}: media type is not a legal header value", hash);
                text(ex, 500, "Internal Server Error", head);
                return;
            }
            Headers h = ex.getResponseHeaders();
            String etag = "\"" + hash + "\"";
            h.set("Cache-Control", CACHE_CONTROL);
            h.set("ETag", etag);
            if (ifNoneMatchHits(ex.getRequestHeaders().getFirst("If-None-Match"), etag)) {
                ex.sendResponseHeaders(304, -1);
                return;
            }
            h.set("Accept-Ranges", "bytes");
            ByteRange.Parsed parsed = rangeAllowed(ex, etag)
                    ? ByteRange.parse(ex.getRequestHeaders().getFirst("Range"), size)
                    : new ByteRange.Parsed.Whole();
            if (parsed instanceof ByteRange.Parsed.Unsatisfiable) {
                h.set("Content-Range", ByteRange.unsatisfiedContentRange(size));
                text(ex, 416, "Range Not Satisfiable", head);
                return;
            }
            h.set("Content-Type", contentType);
            long first = 0;
            long length = size;
            int status = 200;
            if (parsed instanceof ByteRange.Parsed.Part part) {
                first = part.range().first();
                length = part.range().length();
                status = 206;
                h.set("Content-Range", part.range().contentRange(size));
            }
            send(ex, status, length, head);
            if (!head && length > 0) {
                OutputStream out = ex.getResponseBody();
                body.copy(first, length, out);
                out.flush();
            }
        }
    }

    /**
     * The blob's bytes: from the small-blob cache when the data file still exists, else from the
     * file (a small one is read whole and cached, a large one streamed). Empty when not stored.
     */
    private Optional<Body> openBody(String hash) throws IOException {
        byte[] cached = smallBlobs.get(hash);
        if (cached != null) {
            if (store.exists(hash)) {
                return Optional.of(new BytesBody(cached));
            }
            smallBlobs.remove(hash);
            return Optional.empty();
        }
        Optional<FileChannel> opened = store.open(hash);
        if (opened.isEmpty()) {
            return Optional.empty();
        }
        FileChannel file = opened.get();
        long size = file.size();
        if (size > smallBlobs.maxEntryBytes()) {
            return Optional.of(new FileBody(file, size));
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
            return Optional.of(new BytesBody(data));
        }
    }

    /** What a response's body is read from. */
    private interface Body extends AutoCloseable {
        long size();

        void copy(long first, long length, OutputStream out) throws IOException;

        @Override
        void close() throws IOException;
    }

    private record BytesBody(byte[] data) implements Body {
        @Override
        public long size() {
            return data.length;
        }

        @Override
        public void copy(long first, long length, OutputStream out) throws IOException {
            out.write(data, (int) first, (int) length);
        }

        @Override
        public void close() {
        }
    }

    /** A large blob, streamed through the worker thread's fixed buffer. */
    private final class FileBody implements Body {
        private final FileChannel file;
        private final long size;

        FileBody(FileChannel file, long size) {
            this.file = file;
            this.size = size;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void copy(long first, long length, OutputStream out) throws IOException {
            byte[] buf = buffers.get();
            ByteBuffer bb = ByteBuffer.wrap(buf);
            long pos = first;
            long left = length;
            while (left > 0) {
                bb.clear().limit((int) Math.min(buf.length, left));
                int n = file.read(bb, pos);
                if (n < 0) {
                    throw new IOException("blob shrank while it was sent");
                }
                out.write(buf, 0, n);
                pos += n;
                left -= n;
            }
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }

    /** Sidecar media type; a missing or unreadable sidecar means octet-stream (BLOBS.md §5). */
    private String contentType(String hash) {
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

    /** RFC 9110 §13.1.2: {@code *} or a list containing our tag, weak comparison. */
    static boolean ifNoneMatchHits(String header, String etag) {
        if (header == null) {
            return false;
        }
        for (String tag : header.split(",")) {
            String t = tag.trim();
            if (t.startsWith("W/")) {
                t = t.substring(2);
            }
            if (t.equals("*") || t.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    /** RFC 9110 §13.1.5: with If-Range the range applies only while the tag still matches. */
    private static boolean rangeAllowed(HttpExchange ex, String etag) {
        String ifRange = ex.getRequestHeaders().getFirst("If-Range");
        return ifRange == null || ifRange.trim().equals(etag);
    }

    /** Status line and headers; Content-Length is set for HEAD too, where no body follows. */
    private static void send(HttpExchange ex, int status, long length, boolean head) throws IOException {
        if (head) {
            ex.getResponseHeaders().set("Content-Length", Long.toString(length));
            ex.sendResponseHeaders(status, -1);
        } else {
            // the JDK server: -1 means "no body" (Content-Length: 0), 0 would mean chunked
            ex.sendResponseHeaders(status, length == 0 ? -1 : length);
        }
    }

    /** BLOBS.md §5: a plain-text body, exactly these bytes, no Content-Type. */
    private static void text(HttpExchange ex, int status, String body, boolean head) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
        send(ex, status, bytes.length, head);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static void internalError(HttpExchange ex) {
        try {
            text(ex, 500, "Internal Server Error", false);
        } catch (IOException | RuntimeException ignored) {
            // headers were already sent, or the client is gone
        }
    }

    /** Visible ASCII, space and tab only: anything else cannot go into a header line. */
    static boolean isHeaderValue(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
