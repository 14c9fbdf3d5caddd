package io.runtimed.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PROTOCOL.md §2 over real Unix-domain socket pairs: {@code client} writes, {@code daemon} reads
 * (and the other way round where a test says so). Raw bytes go through the underlying channels so
 * that the reader meets exactly what a foreign peer could send.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS) // a hung read fails the test instead of the build
class FrameChannelTest {
    private static final Duration GENEROUS = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private ServerSocketChannel listener;
    private SocketChannel clientEnd;
    private SocketChannel daemonEnd;
    private FrameChannel client;
    private FrameChannel daemon;

    @BeforeEach
    void connectAPair() throws IOException {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("frames.sock"));
        listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(address);
        clientEnd = SocketChannel.open(address);
        daemonEnd = listener.accept();
        client = new FrameChannel(clientEnd);
        daemon = new FrameChannel(daemonEnd);
    }

    @AfterEach
    void closeThePair() throws IOException {
        client.close();
        daemon.close();
        listener.close();
    }

    @Nested
    class OnTheWire {
        @Test
        void helloWorldIsFourLengthBytesAndElevenPayloadBytes() throws IOException {
            client.writeFrame(bytes("hello world"));
            clientEnd.shutdownOutput();

            assertThat(readRawUntilEof(daemonEnd)).containsExactly(
                    0x00, 0x00, 0x00, 0x0b, 'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd');
        }

        @Test
        void helloWorldReadsBackIdentically() throws IOException {
            client.writeFrame(bytes("hello world"));

            assertThat(daemon.readFrame(Frames.DATA_MAX)).isEqualTo(bytes("hello world"));
        }

        @Test
        void aPoolPingIsTheSpecsExampleBytes() throws IOException {
            // PROTOCOL.md §2: client → 00 00 00 0f {"type":"ping"}
            client.writeFrame(Json.compact(new PoolRequest.Ping()));
            clientEnd.shutdownOutput();

            byte[] expected = concat(new byte[] {0, 0, 0, 0x0f}, bytes("{\"type\":\"ping\"}"));
            assertThat(readRawUntilEof(daemonEnd)).isEqualTo(expected);
        }

        @Test
        void threeFramesWrittenBackToBackAreReadInOrderThenCleanEof() throws IOException {
            client.writeFrame(bytes("one"));
            client.writeFrame(bytes("two"));
            client.writeFrame(bytes("three"));
            clientEnd.shutdownOutput();

            assertThat(daemon.readFrame(Frames.DATA_MAX)).asString(UTF_8).isEqualTo("one");
            assertThat(daemon.readFrame(Frames.DATA_MAX)).asString(UTF_8).isEqualTo("two");
            assertThat(daemon.readFrame(Frames.DATA_MAX)).asString(UTF_8).isEqualTo("three");
            assertThat(daemon.readFrame(Frames.DATA_MAX)).as("after the last frame").isNull();
        }

        @Test
        void framesWrittenTogetherAreTheSameBytesAsOneByOneEvenEndingWithAnEmptyOne() throws IOException {
            // more than a socket's buffer: the write goes on as the other end reads
            byte[] big = new byte[1_000_000];
            new Random(7).nextBytes(big);
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return readRawUntilEof(daemonEnd);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            client.writeFrames(List.of(bytes("one"), big, new byte[0], bytes("four"), new byte[0]));
            client.writeFrames(List.of(bytes("alone")));
            clientEnd.shutdownOutput();

            assertThat(read.join()).isEqualTo(concat(header(3), bytes("one"), header(big.length), big,
                    header(0), header(4), bytes("four"), header(0), header(5), bytes("alone")));
        }

        @Test
        void framesArrivingInOneSegmentAreSplitAtTheirBoundaries() throws IOException {
            writeRaw(concat(header(1), bytes("a"), header(0), header(2), bytes("bc")));
            clientEnd.shutdownOutput();

            assertThat(daemon.readFrame(Frames.DATA_MAX)).asString(UTF_8).isEqualTo("a");
            assertThat(daemon.readFrame(Frames.DATA_MAX)).isEmpty();
            assertThat(daemon.readFrame(Frames.DATA_MAX)).asString(UTF_8).isEqualTo("bc");
            assertThat(daemon.readFrame(Frames.DATA_MAX)).isNull();
        }

        @Test
        void aZeroLengthFrameIsLegalAndKeepsTheStreamAligned() throws IOException {
            client.writeFrame(new byte[0]);
            client.writeFrame(bytes("after"));

            assertThat(daemon.readFrame(Frames.DATA_MAX)).isEmpty();
            assertThat(daemon.readFrame(Frames.DATA_MAX)).asString(UTF_8).isEqualTo("after");
        }
    }

    @Nested
    class EndOfStream {
        @Test
        void anEmptyStreamIsACleanDisconnect() throws IOException {
            clientEnd.shutdownOutput();

            assertThat(daemon.readFrame(Frames.DATA_MAX)).isNull();
        }

        @Test
        void anEmptyStreamReadsAsLengthMinusOne() throws IOException {
            clientEnd.shutdownOutput();

            assertThat(daemon.readLength(Frames.DATA_MAX, null)).isEqualTo(-1);
        }

        @ParameterizedTest(name = "after {0} header byte(s)")
        @ValueSource(ints = {1, 2, 3})
        void eofInsideTheHeaderIsACleanDisconnect(int headerBytesSent) throws IOException {
            writeRaw(Arrays.copyOf(header(5), headerBytesSent));
            clientEnd.shutdownOutput();

            assertThat(daemon.readLength(Frames.DATA_MAX, null)).isEqualTo(-1);
        }

        @ParameterizedTest(name = "after {0} header byte(s)")
        @ValueSource(ints = {1, 2, 3})
        void eofInsideTheHeaderMakesReadFrameReturnNull(int headerBytesSent) throws IOException {
            writeRaw(Arrays.copyOf(header(5), headerBytesSent));
            clientEnd.shutdownOutput();

            assertThat(daemon.readFrame(Frames.DATA_MAX)).isNull();
        }

        @ParameterizedTest(name = "after {0} of 10 payload bytes")
        @ValueSource(ints = {0, 5, 9})
        void eofInsideThePayloadIsAnError(int payloadBytesSent) throws IOException {
            writeRaw(concat(header(10), new byte[payloadBytesSent]));
            clientEnd.shutdownOutput();

            assertThatThrownBy(() -> daemon.readFrame(Frames.DATA_MAX)).isInstanceOf(EOFException.class);
        }
    }

    @Nested
    class SizeLimits {
        @Test
        void smallControlFramesPass() throws IOException {
            client.writeFrame(bytes("{\"channel\":\"pool\"}"));

            assertThat(daemon.readFrame(Frames.CONTROL_MAX)).asString(UTF_8).isEqualTo("{\"channel\":\"pool\"}");
        }

        @Test
        void aFrameOfExactlyTheControlLimitIsAccepted() throws Exception {
            byte[] payload = randomBytes(Frames.CONTROL_MAX, 1);
            CompletableFuture<Void> writing = writeInBackground(client, payload);

            byte[] read = daemon.readFrame(Frames.CONTROL_MAX);

            writing.get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
            assertThat(read).hasSize(Frames.CONTROL_MAX);
            assertThat(Arrays.mismatch(read, payload)).as("index of the first differing byte").isEqualTo(-1);
        }

        @Test
        void oneByteOverTheControlLimitIsRejectedWithoutWaitingForThePayload() throws IOException {
            // Only the header is sent: a reader that tried to read (or allocate for) the payload first
            // would block here until the deadline and report a timeout instead.
            writeRaw(header(Frames.CONTROL_MAX + 1L));

            assertThatThrownBy(() -> daemon.readFrame(Frames.CONTROL_MAX, GENEROUS))
                    .isInstanceOfSatisfying(FrameTooLargeException.class, e -> {
                        assertThat(e.length()).isEqualTo(Frames.CONTROL_MAX + 1L);
                        assertThat(e.limit()).isEqualTo(Frames.CONTROL_MAX);
                    });
        }

        @Test
        void readLengthRejectsAnOversizedHeaderBeforeAnyPayloadArrives() throws IOException {
            writeRaw(header(Frames.CONTROL_MAX + 1L));

            assertThatThrownBy(() -> daemon.readLength(Frames.CONTROL_MAX, GENEROUS))
                    .isInstanceOf(FrameTooLargeException.class);
        }

        @Test
        void oneByteOverTheDataLimitIsRejected() throws IOException {
            writeRaw(header(Frames.DATA_MAX + 1L));

            assertThatThrownBy(() -> daemon.readFrame(Frames.DATA_MAX, GENEROUS))
                    .isInstanceOfSatisfying(FrameTooLargeException.class, e -> {
                        assertThat(e.length()).isEqualTo(Frames.DATA_MAX + 1L);
                        assertThat(e.limit()).isEqualTo(Frames.DATA_MAX);
                    });
        }

        @Test
        void theDataLimitItselfIsAcceptedByTheHeaderCheck() throws IOException {
            writeRaw(header(Frames.DATA_MAX));

            assertThat(daemon.readLength(Frames.DATA_MAX, GENEROUS)).isEqualTo(Frames.DATA_MAX);
        }

        @ParameterizedTest(name = "length 0x{0}")
        @ValueSource(strings = {"80000000", "ffffffff"})
        void aLengthWithTheTopBitSetIsTooLargeNotNegative(String hexLength) throws IOException {
            long length = Long.parseLong(hexLength, 16);
            writeRaw(header(length));

            assertThatThrownBy(() -> daemon.readFrame(Frames.DATA_MAX, GENEROUS))
                    .isInstanceOfSatisfying(FrameTooLargeException.class,
                            e -> assertThat(e.length()).as("length as an unsigned u32").isEqualTo(length))
                    .hasMessageContaining(Long.toString(length));
        }
    }

    @Nested
    class Timeouts {
        @Test
        void aSilentPeerMakesTheReadTimeOutAndClosesTheChannel() {
            long start = System.nanoTime();

            assertThatThrownBy(() -> daemon.readFrame(Frames.DATA_MAX, Duration.ofMillis(200)))
                    .isInstanceOf(FrameTimeoutException.class)
                    .hasMessageContaining("200 ms");

            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            assertThat(waited).isBetween(Duration.ofMillis(190), Duration.ofSeconds(5));
            assertThat(daemon.isOpen()).as("channel open after the timeout").isFalse();
        }

        @Test
        void aPeerThatStallsInsideThePayloadTimesOutToo() throws IOException {
            writeRaw(concat(header(10), bytes("half")));

            assertThatThrownBy(() -> daemon.readFrame(Frames.DATA_MAX, Duration.ofMillis(200)))
                    .isInstanceOf(FrameTimeoutException.class);
            assertThat(daemon.isOpen()).isFalse();
        }

        @Test
        void aReadThatFinishesInTimeDisarmsItsDeadline() throws IOException {
            client.writeFrame(bytes("quick"));

            assertThat(daemon.readFrame(Frames.DATA_MAX, Duration.ofMillis(200))).asString(UTF_8).isEqualTo("quick");

            // the 200 ms deadline must not close the channel later on
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(daemon::isOpen);
        }
    }

    @Nested
    class Concurrency {
        private static final int WRITERS = 8;
        private static final int FRAMES_PER_WRITER = 200;

        @Test
        void concurrentWritersNeverInterleaveTheirFrames() throws Exception {
            ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
            try {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> done = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    int writer = w;
                    done.add(writers.submit(() -> {
                        go.await();
                        for (int seq = 0; seq < FRAMES_PER_WRITER; seq++) {
                            client.writeFrame(stampedFrame(writer, seq));
                        }
                        return null;
                    }));
                }
                go.countDown();

                Map<Integer, Integer> nextSeq = new HashMap<>();
                for (int i = 0; i < WRITERS * FRAMES_PER_WRITER; i++) {
                    byte[] frame = daemon.readFrame(Frames.DATA_MAX, GENEROUS);
                    assertThat(frame).as("frame %d", i).isNotNull();
                    assertThat(frame.length).as("length of frame %d (8 stamp bytes at least)", i).isGreaterThanOrEqualTo(8);
                    ByteBuffer b = ByteBuffer.wrap(frame);
                    int writer = b.getInt();
                    int seq = b.getInt();
                    assertThat(writer).as("writer id of frame %d", i).isBetween(0, WRITERS - 1);
                    assertThat(seq).as("sequence of writer %d", writer).isEqualTo(nextSeq.getOrDefault(writer, 0));
                    assertThat(frame).as("frame %d of writer %d", seq, writer).isEqualTo(stampedFrame(writer, seq));
                    nextSeq.put(writer, seq + 1);
                }
                for (Future<?> f : done) {
                    f.get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
                }
                clientEnd.shutdownOutput();
                assertThat(daemon.readFrame(Frames.DATA_MAX)).as("anything after the last frame").isNull();
            } finally {
                writers.shutdownNow();
            }
        }

        @Test
        void aBlockedReaderDoesNotBlockAWriterOnTheSameChannel() throws Exception {
            CompletableFuture<byte[]> received = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try {
                    received.complete(daemon.readFrame(Frames.DATA_MAX));
                } catch (IOException e) {
                    received.completeExceptionally(e);
                }
            }, "blocked-reader");
            reader.start();
            await().atMost(GENEROUS).until(() -> blockedInNativeRead(reader));

            CompletableFuture<Void> push = writeInBackground(daemon, bytes("push"));

            push.get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
            assertThat(client.readFrame(Frames.DATA_MAX)).asString(UTF_8).isEqualTo("push");
            client.writeFrame(bytes("wake up"));
            assertThat(received.get(GENEROUS.toSeconds(), TimeUnit.SECONDS)).asString(UTF_8).isEqualTo("wake up");
        }

        private boolean blockedInNativeRead(Thread reader) {
            StackTraceElement[] stack = reader.getStackTrace();
            return stack.length > 0 && stack[0].isNativeMethod()
                    && Arrays.stream(stack).anyMatch(f -> f.getClassName().equals(FrameChannel.class.getName()));
        }
    }

    @Nested
    class Streaming {
        @Test
        void transferPayloadStreamsAFiveMegabyteFrameUnchanged() throws Exception {
            byte[] payload = randomBytes(5 * 1024 * 1024, 42);
            CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                try {
                    client.writeFrame(payload);
                    client.writeFrame(bytes("tail"));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });

            int length = daemon.readLength(Frames.DATA_MAX, GENEROUS);
            ByteArrayOutputStream sink = new ByteArrayOutputStream(length);
            daemon.transferPayload(length, Channels.newChannel(sink), GENEROUS);

            assertThat(length).isEqualTo(payload.length);
            byte[] streamed = sink.toByteArray();
            assertThat(streamed).hasSize(payload.length);
            assertThat(Arrays.mismatch(streamed, payload)).as("index of the first differing byte").isEqualTo(-1);
            assertThat(daemon.readFrame(Frames.DATA_MAX)).as("the frame after the streamed one")
                    .asString(UTF_8).isEqualTo("tail");
            writing.get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
        }

        @Test
        void transferPayloadFailsWhenThePeerStopsInsideThePayload() throws IOException {
            writeRaw(concat(header(100), new byte[40]));
            clientEnd.shutdownOutput();

            int length = daemon.readLength(Frames.DATA_MAX, null);
            assertThatThrownBy(() -> daemon.transferPayload(length, Channels.newChannel(new ByteArrayOutputStream()), null))
                    .isInstanceOf(EOFException.class);
        }
    }

    // ---- helpers ----

    private void writeRaw(byte[] data) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(data);
        while (buf.hasRemaining()) {
            clientEnd.write(buf);
        }
    }

    private static byte[] readRawUntilEof(SocketChannel ch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (ch.read(buf) >= 0) {
            buf.flip();
            out.write(buf.array(), 0, buf.limit());
            buf.clear();
        }
        return out.toByteArray();
    }

    /** A big-endian u32 length header; {@code length} may use all 32 bits. */
    private static byte[] header(long length) {
        return ByteBuffer.allocate(4).putInt((int) length).array();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** writer id, sequence number, then a filler whose length and value depend on both. */
    private static byte[] stampedFrame(int writer, int seq) {
        int fillerLength = (seq * 7919 + writer * 131) % 12_000;
        ByteBuffer b = ByteBuffer.allocate(8 + fillerLength);
        b.putInt(writer).putInt(seq);
        byte fill = (byte) (writer * 31 + seq);
        while (b.hasRemaining()) {
            b.put(fill);
        }
        return b.array();
    }

    private static CompletableFuture<Void> writeInBackground(FrameChannel channel, byte[] payload) {
        return CompletableFuture.runAsync(() -> {
            try {
                channel.writeFrame(payload);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }
}
