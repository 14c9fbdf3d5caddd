package io.runtimed.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.blob.BlobStore;
import io.runtimed.blob.BlobStoreTest;
import io.runtimed.client.BlobClient;
import io.runtimed.client.DaemonClientException;
import io.runtimed.client.DaemonSocket;
import io.runtimed.daemon.Daemon;
import io.runtimed.daemon.DaemonConfig;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.BlobHash;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Handshake;
import io.runtimed.protocol.Json;
import io.runtimed.server.ChannelHandlers;
import io.runtimed.server.ConnectionRouter;
import io.runtimed.server.DaemonLifecycle;
import io.runtimed.server.SocketServer;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PROTOCOL.md §5 against an in-process daemon on a real Unix socket, read back over real HTTP. */
class BlobChannelTest {
    /** The other channels of these socket-level tests: they close at once. */
    private static final io.runtimed.server.ChannelHandler NO_CHANNEL = (connection, handshake) -> {
    };

    static final Duration IO = Duration.ofSeconds(10);
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path home;
    DaemonConfig config;
    Daemon daemon;

    @BeforeEach
    void startDaemon() throws Exception {
        config = DaemonConfig.builder(new RuntPaths(BaseDirs.under(home))).poolSizes(0, 0)
                .handshakeTimeout(Duration.ofSeconds(5)).build();
        daemon = Daemon.start(config);
    }

    @AfterEach
    void stopDaemon() {
        daemon.close();
    }

    BlobClient client() {
        return new BlobClient(config.socket(), Duration.ofSeconds(2), IO);
    }

    FrameChannel blobChannel() throws DaemonClientException {
        return DaemonSocket.open(config.socket(), new Handshake.Blob(), IO);
    }

    int daemonJsonBlobPort() throws IOException {
        JsonNode info = Json.MAPPER.readTree(Files.readString(config.infoFile()));
        assertThat(info.get("blob_port")).as("blob_port in daemon.json").isNotNull();
        assertThat(info.get("blob_port").isInt()).isTrue();
        return info.get("blob_port").intValue();
    }

    HttpResponse<byte[]> httpGet(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(IO).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String text(byte[] frame) {
        return frame == null ? null : new String(frame, StandardCharsets.UTF_8);
    }

    List<Path> tempFiles() throws IOException {
        Path root = config.blobDir();
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.getFileName().toString().startsWith(".tmp")).toList();
        }
    }

    @Nested
    class RoundTrip {
        @Test
        void aBlobStoredOverTheSocketIsServedOverHttp() throws Exception {
            String hash = client().store("hello world".getBytes(StandardCharsets.UTF_8), "text/plain");
            assertThat(hash).isEqualTo(BlobStoreTest.HELLO_HASH);
            String url = client().url(hash);
            assertThat(url).isEqualTo("http://127.0.0.1:" + daemonJsonBlobPort() + "/blob/" + hash);
            HttpResponse<byte[]> r = httpGet(url);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("hello world");
            assertThat(r.headers().firstValue("Content-Type")).contains("text/plain");
            assertThat(r.headers().firstValue("Content-Length")).contains("11");
            assertThat(r.headers().firstValue("Cache-Control")).contains("public, max-age=31536000, immutable");
            assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).contains("*");
        }

        @Test
        void aFileIsStreamedToTheStore() throws Exception {
            byte[] data = new byte[3 * 1024 * 1024 + 5];
            new Random(9).nextBytes(data);
            Path file = home.resolve("video.mp4");
            Files.write(file, data);
            String hash = client().store(file, "video/mp4");
            assertThat(hash).isEqualTo(BlobHash.of(data));
            assertThat(httpGet(client().url(hash)).body()).isEqualTo(data);
        }

        @Test
        void blobPortInDaemonJsonEqualsGetPort() throws Exception {
            assertThat(client().port()).hasValue(daemonJsonBlobPort());
            assertThat(daemon.info().blobPort()).isEqualTo(daemonJsonBlobPort());
            assertThat(httpGet("http://127.0.0.1:" + daemonJsonBlobPort() + "/health").statusCode()).isEqualTo(200);
        }

        @Test
        void theThreeFrameExchangeAnswersTheExactJsonAndTheConnectionCarriesMore() throws Exception {
            try (FrameChannel c = blobChannel()) {
                c.writeFrame("{\"action\":\"store\",\"media_type\":\"text/plain\"}".getBytes(StandardCharsets.UTF_8), IO);
                c.writeFrame("hello world".getBytes(StandardCharsets.UTF_8), IO);
                assertThat(text(c.readFrame(Frames.CONTROL_MAX, IO))).isEqualTo("{\"hash\":\"" + BlobStoreTest.HELLO_HASH + "\"}");
                c.writeFrame("{\"action\":\"get_port\"}".getBytes(StandardCharsets.UTF_8), IO);
                assertThat(text(c.readFrame(Frames.CONTROL_MAX, IO))).isEqualTo("{\"port\":" + daemonJsonBlobPort() + "}");
                c.writeFrame("{\"action\":\"store\",\"media_type\":\"application/x-empty\"}".getBytes(StandardCharsets.UTF_8), IO);
                c.writeFrame(new byte[0], IO);
                assertThat(text(c.readFrame(Frames.CONTROL_MAX, IO))).isEqualTo("{\"hash\":\"" + BlobStoreTest.EMPTY_HASH + "\"}");
            }
        }
    }

    @Nested
    class Refusals {
        @Test
        void aDataFrameAnnouncingMoreThanTheCapIsRefusedAtItsHeader() throws Exception {
            try (SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                raw.connect(UnixDomainSocketAddress.of(config.socket()));
                FrameChannel c = new FrameChannel(raw);
                c.writeFrame(Json.compact(new Handshake.Blob()), IO);
                c.writeFrame("{\"action\":\"store\",\"media_type\":\"video/mp4\"}".getBytes(StandardCharsets.UTF_8), IO);
                ByteBuffer header = ByteBuffer.allocate(4).putInt(Frames.DATA_MAX + 1).flip();
                while (header.hasRemaining()) {
                    raw.write(header);
                }
                // the answer arrives although not one byte of the announced body was sent
                assertThat(text(c.readFrame(Frames.CONTROL_MAX, IO)))
                        .isEqualTo("{\"error\":\"blob too large: 104857601 bytes (max 104857600)\"}");
                assertThat(c.readFrame(Frames.CONTROL_MAX, IO)).as("then the daemon closes").isNull();
            }
            assertThat(client().port()).as("a new connection is served").hasValue(daemonJsonBlobPort());
            assertThat(client().store(new byte[] {1, 2, 3}, "a/b")).hasSize(64);
        }

        @Test
        void theLargestPossibleHeaderIsRefusedTheSameWay() throws Exception {
            try (SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                raw.connect(UnixDomainSocketAddress.of(config.socket()));
                FrameChannel c = new FrameChannel(raw);
                c.writeFrame(Json.compact(new Handshake.Blob()), IO);
                c.writeFrame("{\"action\":\"store\",\"media_type\":\"x\"}".getBytes(StandardCharsets.UTF_8), IO);
                raw.write(ByteBuffer.wrap(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
                assertThat(text(c.readFrame(Frames.CONTROL_MAX, IO)))
                        .isEqualTo("{\"error\":\"blob too large: 4294967295 bytes (max 104857600)\"}");
            }
        }

        @Test
        void theClientRefusesAnOversizedFileBeforeConnecting() throws Exception {
            Path sparse = home.resolve("sparse");
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(sparse.toFile(), "rw")) {
                f.setLength(BlobStore.MAX_BLOB_BYTES + 1);
            }
            BlobClient nowhere = new BlobClient(home.resolve("no-daemon.sock"), IO, IO);
            assertThatThrownBy(() -> nowhere.store(sparse, "x"))
                    .isInstanceOf(DaemonClientException.class)
                    .hasMessage("blob too large: 104857601 bytes (max 104857600)");
        }

        @Test
        void aMalformedRequestIsAnsweredWithAnErrorAndTheConnectionClosed() throws Exception {
            for (String bad : new String[] {"not json", "{\"action\":\"delete\"}", "{\"action\":\"store\"}", ""}) {
                try (FrameChannel c = blobChannel()) {
                    c.writeFrame(bad.getBytes(StandardCharsets.UTF_8), IO);
                    JsonNode answer = Json.MAPPER.readTree(c.readFrame(Frames.CONTROL_MAX, IO));
                    assertThat(answer.fieldNames()).toIterable().as("answer to '%s'", bad).containsExactly("error");
                    assertThat(answer.get("error").asText()).startsWith("bad request: ");
                    assertThat(c.readFrame(Frames.CONTROL_MAX, IO)).as("closed after '%s'", bad).isNull();
                }
            }
        }

        @Test
        void aRequestFrameOver64KibIsRefusedAtItsHeader() throws Exception {
            try (SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                raw.connect(UnixDomainSocketAddress.of(config.socket()));
                FrameChannel c = new FrameChannel(raw);
                c.writeFrame(Json.compact(new Handshake.Blob()), IO);
                raw.write(ByteBuffer.allocate(4).putInt(Frames.CONTROL_MAX + 1).flip());
                assertThat(text(c.readFrame(Frames.CONTROL_MAX, IO))).startsWith("{\"error\":\"bad request: frame of 65537 bytes");
                assertThat(c.readFrame(Frames.CONTROL_MAX, IO)).isNull();
            }
        }

        @Test
        void endOfStreamBetweenRequestAndDataEndsTheConnectionSilently() throws Exception {
            try (SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                raw.connect(UnixDomainSocketAddress.of(config.socket()));
                FrameChannel c = new FrameChannel(raw);
                c.writeFrame(Json.compact(new Handshake.Blob()), IO);
                c.writeFrame("{\"action\":\"store\",\"media_type\":\"x\"}".getBytes(StandardCharsets.UTF_8), IO);
                raw.shutdownOutput();
                assertThat(c.readFrame(Frames.CONTROL_MAX, IO)).isNull();
            }
            assertThat(client().port()).isPresent();
        }

        @Test
        void aClientThatDiesHalfWayThroughTheDataLeavesNoBlobAndNoTempFile() throws Exception {
            byte[] half = new byte[2 * 1024 * 1024];
            new Random(4).nextBytes(half);
            try (SocketChannel raw = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                raw.connect(UnixDomainSocketAddress.of(config.socket()));
                FrameChannel c = new FrameChannel(raw);
                c.writeFrame(Json.compact(new Handshake.Blob()), IO);
                c.writeFrame("{\"action\":\"store\",\"media_type\":\"x\"}".getBytes(StandardCharsets.UTF_8), IO);
                raw.write(ByteBuffer.allocate(4).putInt(2 * half.length).flip());
                ByteBuffer body = ByteBuffer.wrap(half);
                while (body.hasRemaining()) {
                    raw.write(body);
                }
                // the daemon is now streaming into a temp file; the client dies
            }
            await("temp file removed after the dropped store").atMost(IO).until(() -> tempFiles().isEmpty());
            assertThat(new BlobStore(config.blobDir()).list()).isEmpty();
            assertThat(client().store(half, "x")).isEqualTo(BlobHash.of(half));
        }
    }

    @Nested
    class StoreFailures {
        @Test
        void aStoreTheDiskRefusesIsAnsweredWithTheErrorAndTheConnectionStaysInStep() throws Exception {
            Path notADirectory = home.resolve("blobs-is-a-file");
            Files.writeString(notADirectory, "x");
            Path socket = home.resolve("failing.sock");
            ChannelHandlers handlers = new ChannelHandlers(NO_CHANNEL, NO_CHANNEL, NO_CHANNEL,
                    new BlobChannel(new BlobStore(notADirectory), () -> OptionalInt.of(4242), new DaemonLifecycle()), NO_CHANNEL);
            try (SocketServer server = SocketServer.start(socket, new ConnectionRouter(handlers, IO));
                 FrameChannel c = DaemonSocket.open(socket, new Handshake.Blob(), IO)) {
                for (int size : new int[] {10, 3 * 1024 * 1024}) {
                    c.writeFrame("{\"action\":\"store\",\"media_type\":\"x\"}".getBytes(StandardCharsets.UTF_8), IO);
                    c.writeFrame(new byte[size], IO);
                    JsonNode answer = Json.MAPPER.readTree(c.readFrame(Frames.CONTROL_MAX, IO));
                    assertThat(answer.fieldNames()).toIterable().as("answer for %d bytes", size).containsExactly("error");
                    assertThat(answer.get("error").asText()).contains(notADirectory.toString());
                }
                c.writeFrame("{\"action\":\"get_port\"}".getBytes(StandardCharsets.UTF_8), IO);
                assertThat(text(c.readFrame(Frames.CONTROL_MAX, IO))).isEqualTo("{\"port\":4242}");
            }
        }
    }

    @Nested
    class WithoutHttpServer {
        @Test
        void getPortSaysTheBlobServerIsNotRunning() throws Exception {
            Path socket = home.resolve("other.sock");
            DaemonLifecycle lifecycle = new DaemonLifecycle();
            ChannelHandlers handlers = new ChannelHandlers(NO_CHANNEL, NO_CHANNEL, NO_CHANNEL,
                    new BlobChannel(new BlobStore(home.resolve("b")), OptionalInt::empty, lifecycle), NO_CHANNEL);
            try (SocketServer server = SocketServer.start(socket, new ConnectionRouter(handlers, IO))) {
                try (FrameChannel c = DaemonSocket.open(socket, new Handshake.Blob(), IO)) {
                    c.writeFrame("{\"action\":\"get_port\"}".getBytes(StandardCharsets.UTF_8), IO);
                    assertThat(text(c.readFrame(Frames.CONTROL_MAX, IO))).isEqualTo("{\"error\":\"blob server not running\"}");
                }
                BlobClient client = new BlobClient(socket, IO, IO);
                assertThat(client.port()).isEmpty();
                assertThatThrownBy(() -> client.url(BlobStoreTest.HELLO_HASH))
                        .hasMessage("Daemon returned error: blob server not running");
                assertThat(client.store(new byte[] {7}, "x")).hasSize(64);
            }
        }
    }
}
