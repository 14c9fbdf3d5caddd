package io.runtimed.blob;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** BLOBS.md §5 over real HTTP, plus HEAD, ETag/304 and ranges. */
class BlobHttpServerTest {
    static final String HELLO = BlobStoreTest.HELLO_HASH;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;
    BlobStore store;
    BlobHttpServer server;

    @BeforeEach
    void start() throws IOException {
        store = new BlobStore(dir.resolve("blobs"));
        server = BlobHttpServer.start(store);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    HttpResponse<byte[]> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        return send("GET", path, headers);
    }

    static String body(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    /** Sends {@code target} byte for byte (no client-side normalisation) and returns the status code. */
    static int rawStatus(int port, String method, String target) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write((method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(response).as("response to %s %s", method, target).startsWith("HTTP/1.1 ");
            return Integer.parseInt(response.substring(9, 12));
        }
    }

    /** Sends {@code request} byte for byte and returns everything the server answers until it closes. */
    static String rawExchange(int port, String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Nested
    class Routes {
        @Test
        void healthAnswersOk() throws Exception {
            HttpResponse<byte[]> r = get("/health");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(body(r)).isEqualTo("OK");
            assertThat(header(r, "Access-Control-Allow-Origin")).isEqualTo("*");
            assertThat(header(r, "Content-Type")).as("text answers carry no content type").isNull();
        }

        @Test
        void theQueryStringIsIgnored() throws Exception {
            store.put(BlobStoreTest.hello(), "text/plain");
            assertThat(get("/health?probe=1").statusCode()).isEqualTo(200);
            assertThat(body(get("/blob/" + HELLO + "?download=1"))).isEqualTo("hello world");
        }

        @Test
        void anUnknownBlobIsNotFound() throws Exception {
            HttpResponse<byte[]> r = get("/blob/" + "a".repeat(64));
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(body(r)).isEqualTo("Not Found");
            assertThat(header(r, "Access-Control-Allow-Origin")).isEqualTo("*");
        }

        @ParameterizedTest
        @ValueSource(strings = {"/", "/health/", "/healthz", "/output/x", "/blob", "/blob/", "/blobs/" + HELLO,
            "/blob/" + HELLO + "/x", "/BLOB/" + HELLO})
        void otherPathsAreNotFound(String path) throws Exception {
            store.put(BlobStoreTest.hello(), "text/plain");
            HttpResponse<byte[]> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(body(r)).isEqualTo("Not Found");
        }

        @ParameterizedTest
        @ValueSource(strings = {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
        void methodsOtherThanGetAndHeadAreNotAllowed(String method) throws Exception {
            store.put(BlobStoreTest.hello(), "text/plain");
            for (String path : new String[] {"/health", "/blob/" + HELLO, "/nowhere"}) {
                HttpResponse<byte[]> r = send(method, path);
                assertThat(r.statusCode()).as("%s %s", method, path).isEqualTo(405);
                assertThat(body(r)).isEqualTo("Method Not Allowed");
                assertThat(header(r, "Access-Control-Allow-Origin")).isEqualTo("*");
                assertThat(header(r, "Allow")).isEqualTo("GET, HEAD");
            }
        }

        @Test
        void twoServersGetDifferentPorts() throws Exception {
            try (BlobHttpServer other = BlobHttpServer.start(store)) {
                assertThat(other.port()).isNotEqualTo(server.port()).isPositive();
            }
        }
    }

    @Nested
    class Blobs {
        @Test
        void aStoredBlobIsServedWithTheSpecsHeaders() throws Exception {
            store.put(BlobStoreTest.hello(), "text/plain; charset=utf-8");
            HttpResponse<byte[]> r = get("/blob/" + HELLO);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(body(r)).isEqualTo("hello world");
            assertThat(header(r, "Content-Type")).isEqualTo("text/plain; charset=utf-8");
            assertThat(header(r, "Content-Length")).isEqualTo("11");
            assertThat(header(r, "Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
            assertThat(header(r, "Access-Control-Allow-Origin")).isEqualTo("*");
            assertThat(header(r, "ETag")).isEqualTo("\"" + HELLO + "\"");
            assertThat(header(r, "Accept-Ranges")).isEqualTo("bytes");
        }

        @Test
        void aBlobWithoutSidecarIsAnOctetStream() throws Exception {
            store.put(BlobStoreTest.hello(), "text/plain");
            Files.delete(store.metaPath(HELLO));
            assertThat(header(get("/blob/" + HELLO), "Content-Type")).isEqualTo("application/octet-stream");
        }

        @Test
        void aBlobWithACorruptSidecarIsAnOctetStream() throws Exception {
            store.put(BlobStoreTest.hello(), "text/plain");
            Files.writeString(store.metaPath(HELLO), "{");
            assertThat(header(get("/blob/" + HELLO), "Content-Type")).isEqualTo("application/octet-stream");
        }

        @Test
        void aMediaTypeThatIsNoLegalHeaderValueIsAServerError() throws Exception {
            store.put(BlobStoreTest.hello(), "text/plain\r\nSet-Cookie: a=b");
            HttpResponse<byte[]> r = get("/blob/" + HELLO);
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(body(r)).isEqualTo("Internal Server Error");
            assertThat(header(r, "Set-Cookie")).isNull();
        }

        @Test
        void aServedBlobThatIsThenDeletedIsNotFound() throws Exception {
            store.put(BlobStoreTest.hello(), "text/plain");
            assertThat(get("/blob/" + HELLO).statusCode()).isEqualTo(200);
            assertThat(get("/blob/" + HELLO).statusCode()).as("served again from memory").isEqualTo(200);
            store.delete(HELLO);
            assertThat(get("/blob/" + HELLO).statusCode()).isEqualTo(404);
            store.put(BlobStoreTest.hello(), "text/plain");
            assertThat(body(get("/blob/" + HELLO))).isEqualTo("hello world");
        }

        @Test
        void theEmptyBlobHasContentLengthZero() throws Exception {
            String hash = store.put(new byte[0], "application/x-empty");
            HttpResponse<byte[]> r = get("/blob/" + hash);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEmpty();
            assertThat(header(r, "Content-Length")).isEqualTo("0");
        }

        @Test
        void aLargeBlobArrivesWholeOverOneKeptAliveConnection() throws Exception {
            byte[] data = new byte[5 * 1024 * 1024 + 3];
            new Random(11).nextBytes(data);
            String hash = store.put(data, "video/mp4");
            for (int i = 0; i < 3; i++) {
                HttpResponse<byte[]> r = get("/blob/" + hash);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo(data);
            }
        }

        @Test
        void headAnswersTheHeadersOfGetWithoutABody() throws Exception {
            store.put(BlobStoreTest.hello(), "text/plain");
            HttpResponse<byte[]> r = send("HEAD", "/blob/" + HELLO);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEmpty();
            assertThat(header(r, "Content-Length")).isEqualTo("11");
            assertThat(header(r, "Content-Type")).isEqualTo("text/plain");
            assertThat(header(r, "ETag")).isEqualTo("\"" + HELLO + "\"");
            assertThat(send("HEAD", "/blob/" + "a".repeat(64)).statusCode()).isEqualTo(404);
            assertThat(send("HEAD", "/health").statusCode()).isEqualTo(200);
        }
    }

    @Nested
    class Revalidation {
        @BeforeEach
        void hello() throws IOException {
            store.put(BlobStoreTest.hello(), "text/plain");
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"" + HELLO + "\"", "W/\"" + HELLO + "\"", "\"other\", \"" + HELLO + "\"", "*"})
        void aMatchingIfNoneMatchIsNotModified(String tag) throws Exception {
            HttpResponse<byte[]> r = get("/blob/" + HELLO, "If-None-Match", tag);
            assertThat(r.statusCode()).isEqualTo(304);
            assertThat(r.body()).isEmpty();
            assertThat(header(r, "ETag")).isEqualTo("\"" + HELLO + "\"");
            assertThat(header(r, "Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
            assertThat(header(r, "Access-Control-Allow-Origin")).isEqualTo("*");
        }

        @Test
        void anotherTagGetsTheBlob() throws Exception {
            HttpResponse<byte[]> r = get("/blob/" + HELLO, "If-None-Match", "\"" + "a".repeat(64) + "\"");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(body(r)).isEqualTo("hello world");
        }
    }

    @Nested
    class Ranges {
        @BeforeEach
        void hello() throws IOException {
            store.put(BlobStoreTest.hello(), "text/plain");
        }

        void assertPart(String range, String body, String contentRange) throws Exception {
            HttpResponse<byte[]> r = get("/blob/" + HELLO, "Range", range);
            assertThat(r.statusCode()).as(range).isEqualTo(206);
            assertThat(body(r)).as(range).isEqualTo(body);
            assertThat(header(r, "Content-Range")).as(range).isEqualTo(contentRange);
            assertThat(header(r, "Content-Length")).as(range).isEqualTo(Integer.toString(body.length()));
            assertThat(header(r, "Content-Type")).isEqualTo("text/plain");
            assertThat(header(r, "ETag")).isEqualTo("\"" + HELLO + "\"");
        }

        @Test
        void aClosedRangeIsPartialContent() throws Exception {
            assertPart("bytes=2-4", "llo", "bytes 2-4/11");
        }

        @Test
        void anOpenRangeRunsToTheEnd() throws Exception {
            assertPart("bytes=6-", "world", "bytes 6-10/11");
        }

        @Test
        void aSuffixRangeIsTheLastBytes() throws Exception {
            assertPart("bytes=-5", "world", "bytes 6-10/11");
            assertPart("bytes=-50", "hello world", "bytes 0-10/11");
        }

        @Test
        void aRangePastTheEndIsCutAtTheEnd() throws Exception {
            assertPart("bytes=6-100", "world", "bytes 6-10/11");
        }

        @ParameterizedTest
        @ValueSource(strings = {"bytes=11-", "bytes=11-20", "bytes=-0"})
        void aRangeOutsideTheBlobIsNotSatisfiable(String range) throws Exception {
            HttpResponse<byte[]> r = get("/blob/" + HELLO, "Range", range);
            assertThat(r.statusCode()).as(range).isEqualTo(416);
            assertThat(header(r, "Content-Range")).isEqualTo("bytes */11");
        }

        @ParameterizedTest
        @ValueSource(strings = {"bytes=0-1,4-5", "items=0-1", "bytes=5-2", "bytes=x-", "bytes=-", "bytes"})
        void otherRangeHeadersAreIgnored(String range) throws Exception {
            HttpResponse<byte[]> r = get("/blob/" + HELLO, "Range", range);
            assertThat(r.statusCode()).as(range).isEqualTo(200);
            assertThat(body(r)).isEqualTo("hello world");
        }

        @Test
        void aRangeWithAStaleIfRangeGetsTheWholeBlob() throws Exception {
            assertThat(get("/blob/" + HELLO, "Range", "bytes=0-1", "If-Range", "\"old\"").statusCode()).isEqualTo(200);
            assertThat(get("/blob/" + HELLO, "Range", "bytes=0-1", "If-Range", "\"" + HELLO + "\"").statusCode()).isEqualTo(206);
        }

        @Test
        void headWithARangeAnnouncesThePart() throws Exception {
            HttpResponse<byte[]> r = send("HEAD", "/blob/" + HELLO, "Range", "bytes=0-4");
            assertThat(r.statusCode()).isEqualTo(206);
            assertThat(r.body()).isEmpty();
            assertThat(header(r, "Content-Length")).isEqualTo("5");
            assertThat(header(r, "Content-Range")).isEqualTo("bytes 0-4/11");
        }

        @Test
        void aRangeOfALargeBlobIsTheRightSlice() throws Exception {
            byte[] data = new byte[3 * 1024 * 1024];
            new Random(5).nextBytes(data);
            String hash = store.put(data, "video/mp4");
            HttpResponse<byte[]> r = get("/blob/" + hash, "Range", "bytes=1000000-2999999");
            assertThat(r.statusCode()).isEqualTo(206);
            assertThat(r.body()).isEqualTo(java.util.Arrays.copyOfRange(data, 1_000_000, 3_000_000));
        }
    }

    /** Requests the HTTP codec cannot parse, and several requests on one connection. */
    @Nested
    class Connections {
        @ParameterizedTest
        @ValueSource(strings = {"GARBAGE\r\n\r\n", "GET /health\r\n\r\n", "GET /a<b HTTP/1.1\r\n\r\n",
            "GET /health HTTP/1.1\r\nbad header\r\n\r\n"})
        void aMalformedRequestIsABadRequestAndTheConnectionCloses(String request) throws Exception {
            String response = rawExchange(server.port(), request);
            assertThat(response).as(request).startsWith("HTTP/1.1 400 Bad Request\r\n").endsWith("\r\n\r\nBad Request")
                    .containsIgnoringCase("connection: close\r\n").containsIgnoringCase("access-control-allow-origin: *\r\n");
        }

        @Test
        void anOverlongRequestLineIsUriTooLong() throws Exception {
            String response = rawExchange(server.port(), "GET /" + "x".repeat(10_000) + " HTTP/1.1\r\n\r\n");
            assertThat(response).startsWith("HTTP/1.1 414 URI Too Long\r\n").endsWith("URI Too Long");
        }

        @Test
        void pipelinedRequestsAreAnsweredInOrderIncludingALargeBodyBetweenThem() throws Exception {
            byte[] data = new byte[2 * 1024 * 1024];
            new Random(3).nextBytes(data);
            String big = store.put(data, "application/octet-stream");
            store.put(BlobStoreTest.hello(), "text/plain");
            String response = rawExchange(server.port(), "GET /blob/" + HELLO + " HTTP/1.1\r\n\r\n"
                    + "GET /blob/" + big + " HTTP/1.1\r\n\r\n"
                    + "HEAD /nowhere HTTP/1.1\r\n\r\n"
                    + "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n"
                    + "GET /health HTTP/1.1\r\n\r\n");
            int first = response.indexOf("hello world");
            int second = response.indexOf("content-length: " + data.length);
            int third = response.indexOf("HTTP/1.1 404 Not Found");
            int fourth = response.lastIndexOf("HTTP/1.1 200 OK");
            assertThat(first).isPositive();
            assertThat(second).isGreaterThan(first);
            assertThat(third).isGreaterThan(second + data.length);
            assertThat(fourth).isGreaterThan(third);
            assertThat(response).as("nothing after the answer that closed").endsWith("\r\n\r\nOK");
            byte[] raw = response.getBytes(StandardCharsets.ISO_8859_1);
            int bodyStart = response.indexOf("\r\n\r\n", second) + 4;
            assertThat(java.util.Arrays.copyOfRange(raw, bodyStart, bodyStart + data.length)).isEqualTo(data);
        }

        @Test
        void aRequestWithABodyIsRefusedAndTheNextOneOnTheConnectionAnswered() throws Exception {
            String response = rawExchange(server.port(), "POST /health HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n");
            assertThat(response).startsWith("HTTP/1.1 405 Method Not Allowed\r\n").endsWith("\r\n\r\nOK");
        }

        @Test
        void anHttp10RequestWithoutKeepAliveIsAnsweredAndClosed() throws Exception {
            assertThat(rawExchange(server.port(), "GET /health HTTP/1.0\r\n\r\n"))
                    .startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nOK");
        }
    }

    /** KERNELS.md §4: a kernel's output blob is served from its temp file before it is committed. */
    @Nested
    class DeferredBlobs {
        @Test
        void aDeferredBlobIsServedBeforeAndAfterItsCommit() throws Exception {
            byte[] small = "deferred output".getBytes(StandardCharsets.UTF_8);
            byte[] large = new byte[300 * 1024];
            new Random(9).nextBytes(large);
            String smallHash = store.putDeferred(small, "text/plain").hash();
            String largeHash = store.putDeferred(large, "image/png").hash();
            HttpResponse<byte[]> r = get("/blob/" + largeHash);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(large);
            assertThat(header(r, "Content-Type")).isEqualTo("image/png");
            assertThat(body(get("/blob/" + smallHash))).isEqualTo("deferred output");
            assertThat(get("/blob/" + largeHash, "Range", "bytes=1000-1999").body())
                    .isEqualTo(java.util.Arrays.copyOfRange(large, 1000, 2000));
            store.commitDeferred();
            assertThat(get("/blob/" + largeHash).body()).isEqualTo(large);
            assertThat(body(get("/blob/" + smallHash))).isEqualTo("deferred output");
        }
    }

    /** The transport macOS and other CPUs get (no epoll library): the same answers. */
    @Nested
    class OnNio {
        BlobHttpServer nio;

        @BeforeEach
        void startNio() throws IOException {
            nio = BlobHttpServer.start(store, new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    HttpTransport.NIO);
        }

        @AfterEach
        void stopNio() {
            nio.close();
        }

        @Test
        void smallLargeAndPartialBlobsAreServed() throws Exception {
            byte[] data = new byte[1024 * 1024 + 7];
            new Random(4).nextBytes(data);
            String hash = store.put(data, "video/mp4");
            store.put(BlobStoreTest.hello(), "text/plain");
            String base = "http://127.0.0.1:" + nio.port();
            HttpResponse<byte[]> whole = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/blob/" + hash)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(whole.body()).isEqualTo(data);
            HttpResponse<byte[]> part = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/blob/" + hash))
                    .header("Range", "bytes=-10").build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(part.statusCode()).isEqualTo(206);
            assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(data, data.length - 10, data.length));
            HttpResponse<byte[]> hello = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/blob/" + HELLO)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(body(hello)).isEqualTo("hello world");
            assertThat(rawStatus(nio.port(), "DELETE", "/health")).isEqualTo(405);
        }
    }

    /**
     * Hostile hashes: BLOBS.md §5 says 404, and the file system is never touched. This server's
     * store lives in a closed zip file system, where any access would be a 500.
     */
    @Nested
    class BadHashes {
        BlobHttpServer untouchable;

        @BeforeEach
        void closedFileSystem() throws IOException {
            FileSystem zip = FileSystems.newFileSystem(dir.resolve("closed.zip"), Map.of("create", "true"));
            Path closedRoot = zip.getPath("/blobs");
            zip.close();
            untouchable = BlobHttpServer.start(new BlobStore(closedRoot));
        }

        @AfterEach
        void stopIt() {
            untouchable.close();
        }

        @Test
        void aValidHashWouldTouchTheFileSystem() throws Exception {
            assertThat(rawStatus(untouchable.port(), "GET", "/blob/" + HELLO)).isEqualTo(500);
        }

        @ParameterizedTest
        @ValueSource(strings = {"/blob/..", "/blob/../..", "/blob/%2e%2e%2f", "/blob/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "/blob/../../../../etc/passwd", "/blob/..%2f..%2f..%2fetc%2fpasswd",
            "/blob/B94D27B9934D3E08A52E52D7DA7DABFAC484EFE37A5380EE9088F7ACE2EFCDE9",
            "/blob/b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde",
            "/blob/x94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
            "/blob/b9/4d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
            "/blob/b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9%00"})
        void areNotFoundWithoutTouchingTheFileSystem(String target) throws Exception {
            // uppercase validates (BLOBS.md §3) and so reaches the file system: 404 comes from the store
            int expectedFromUntouchable = target.startsWith("/blob/B94D") ? 500 : 404;
            assertThat(rawStatus(untouchable.port(), "GET", target)).as(target).isEqualTo(expectedFromUntouchable);
            assertThat(rawStatus(server.port(), "GET", target)).as(target).isEqualTo(404);
            assertThat(rawStatus(server.port(), "HEAD", target)).as(target).isEqualTo(404);
        }
    }
}
