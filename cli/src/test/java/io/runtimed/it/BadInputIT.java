package io.runtimed.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.client.PoolClient;
import io.runtimed.protocol.Json;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RawSocket;
import io.runtimed.testkit.RuntHome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A slow, silent, or malicious client never harms the daemon or another client (issue 2, "Tests"):
 * every bad input gets the pool channel's error answer where one is possible, the connection closes
 * where the spec says, the daemon logs one line without a stack trace, and it keeps serving.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIT {
    static final Duration ANSWER = Duration.ofSeconds(5);
    static final int CONTROL_MAX = 64 * 1024;
    static final String POOL = "{\"channel\":\"pool\"}";

    RuntHome home;
    DaemonProcess daemon;
    int logMark;

    @BeforeAll
    void startDaemon(@TempDir Path dir) {
        home = RuntHome.in(dir);
        // the default handshake timeout (10 s) is far longer than any answer these tests wait for
        daemon = DaemonProcess.start(home);
    }

    @AfterAll
    void stopDaemon() {
        daemon.close();
        home.close();
    }

    @BeforeEach
    void markLog() {
        logMark = daemon.logLines().size();
    }

    @AfterEach
    void daemonStillServesANewConnection() {
        assertThat(daemon.isAlive()).as("daemon process alive").isTrue();
        assertThat(daemon.answersPing()).as("daemon answers ping on a new connection").isTrue();
        assertThat(daemon.logLines()).as("daemon log").noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception:"));
    }

    /** The log lines written since this test began. */
    List<String> newLogLines() {
        List<String> all = daemon.logLines();
        return all.subList(Math.min(logMark, all.size()), all.size());
    }

    /** Exactly one new log line, saying what went wrong (it is written before the daemon closes). */
    void assertOneLogLine(String... mentions) {
        await("a log line for the bad connection").atMost(ANSWER).until(() -> !newLogLines().isEmpty());
        assertThat(newLogLines()).as("log lines for one bad connection").hasSize(1)
                .first().satisfies(l -> assertThat(l).contains(mentions));
    }

    static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }

    /** {@code {"type":"error","message":...}} and nothing else; returns the message. */
    static String errorMessage(String answer) throws Exception {
        JsonNode node = json(answer);
        assertThat(node.path("type").asText()).as("answer %s", answer).isEqualTo("error");
        assertThat(node.size()).as("fields of %s", answer).isEqualTo(2);
        assertThat(node.path("message").isTextual()).as("message of %s", answer).isTrue();
        return node.path("message").asText();
    }

    /** 50 pings, each on its own connection, all answered while the stalled client holds its connection. */
    void fiftyPingsComplete() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Future<?>> pings = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                pings.add(pool.submit(() -> {
                    new PoolClient(daemon.socket(), ANSWER, ANSWER).ping();
                    return null;
                }));
            }
            for (Future<?> f : pings) {
                f.get(20, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Nested
    class ASlowClient {
        @ParameterizedTest(name = "stalled after {0}")
        @ValueSource(strings = {"two header bytes", "a header and half a handshake", "a handshake and half a request"})
        void doesNotDelayOtherClients(String stall) throws Exception {
            byte[] handshake = RawSocket.frame(POOL);
            byte[] ping = RawSocket.frame("{\"type\":\"ping\"}");
            try (RawSocket stalled = RawSocket.connect(daemon.socket())) {
                switch (stall) {
                    case "two header bytes" -> stalled.send(new byte[] {0, 0});
                    case "a header and half a handshake" -> stalled.send(java.util.Arrays.copyOf(handshake, 4 + 9));
                    default -> stalled.send(handshake).send(java.util.Arrays.copyOf(ping, 4 + 7));
                }
                long start = System.nanoTime();
                fiftyPingsComplete();
                // the stalled connection would hold its half frame for 10 s (the handshake timeout)
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("50 pings while a client stalls")
                        .isLessThan(Duration.ofSeconds(8));
                assertThat(stalled.isOpen()).isTrue();
            }
            assertThat(newLogLines()).as("a client that went away mid-frame is not an error worth more than one line")
                    .hasSizeLessThanOrEqualTo(1);
        }

        @Test
        void thatDisconnectsRightAfterConnectingLeavesNoTrace() {
            RawSocket.connect(daemon.socket()).close();
            assertThat(daemon.answersPing()).isTrue();
            assertThat(newLogLines()).as("log lines at info level").isEmpty();
        }
    }

    @Nested
    class ABadHandshake {
        @Test
        void largerThan64KiBIsAnsweredWithAnErrorWithoutWaitingForThePayload() throws Exception {
            try (RawSocket s = RawSocket.connect(daemon.socket())) {
                s.send(RawSocket.header(CONTROL_MAX + 1)); // and no payload at all
                // the handshake timeout is 10 s: an answer within 2 s means the daemon did not wait for the payload
                String message = errorMessage(s.readJson(Duration.ofSeconds(2)));
                assertThat(message).contains("65537").contains("65536");
                assertThat(s.awaitClose(ANSWER)).isEqualTo(RawSocket.Closed.EOF);
            }
            assertOneLogLine("bad handshake", "65537");
        }

        @Test
        void ofExactly64KiBIsAccepted() {
            String prefix = "{\"channel\":\"pool\",\"pad\":\"";
            String padded = prefix + "x".repeat(CONTROL_MAX - prefix.length() - 2) + "\"}";
            assertThat(padded.getBytes(StandardCharsets.UTF_8)).hasSize(CONTROL_MAX);
            try (RawSocket s = RawSocket.open(daemon.socket(), padded)) {
                s.sendFrame("{\"type\":\"ping\"}");
                assertThat(s.readJson(ANSWER)).isEqualTo("{\"type\":\"pong\"}");
            }
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @ValueSource(strings = {"{\"channel\":", "not json at all", "{\"channel\":\"nope\"}", "{\"channel\":\"POOL\"}",
            "{\"notebook_id\":\"abc\"}", "{\"channel\":\"notebook_sync\"}", "{\"channel\":\"notebook_sync\",\"notebook_id\":7}",
            "[]", "null", ""})
        void isAnsweredWithAnErrorThenClosed(String handshake) throws Exception {
            try (RawSocket s = RawSocket.open(daemon.socket(), handshake)) {
                String message = errorMessage(s.readJson(ANSWER));
                assertThat(message).startsWith("bad handshake: ").hasSizeGreaterThan("bad handshake: ".length());
                if (handshake.contains("nope") || handshake.contains("POOL")) {
                    assertThat(message).as("names the unknown channel").contains(handshake.contains("nope") ? "nope" : "POOL");
                }
                if (handshake.equals("{\"channel\":\"notebook_sync\"}")) {
                    assertThat(message).as("names the missing field").contains("notebook_id");
                }
                assertThat(s.awaitClose(ANSWER)).isEqualTo(RawSocket.Closed.EOF);
            }
            assertOneLogLine("bad handshake");
        }
    }

    @Nested
    class ABadPoolRequest {
        void assertRejected(Consumer<RawSocket> send, String... mentions) throws Exception {
            try (RawSocket s = RawSocket.open(daemon.socket(), POOL)) {
                // a good request first: the connection is established before the bad one
                s.sendFrame("{\"type\":\"ping\"}");
                assertThat(s.readJson(ANSWER)).isEqualTo("{\"type\":\"pong\"}");
                send.accept(s);
                String message = errorMessage(s.readJson(ANSWER));
                assertThat(message).startsWith("bad request: ").hasSizeGreaterThan("bad request: ".length());
                for (String m : mentions) {
                    assertThat(message).as("says what was wrong").contains(m);
                }
                assertThat(s.awaitClose(ANSWER)).isEqualTo(RawSocket.Closed.EOF);
            }
            assertOneLogLine("bad request");
        }

        @Test
        void malformedJsonIsAnsweredWithAnErrorThenClosed() throws Exception {
            assertRejected(s -> s.sendFrame("{\"type\":\"ping\""));
        }

        @Test
        void anUnknownRequestTypeIsNamedInTheError() throws Exception {
            assertRejected(s -> s.sendFrame("{\"type\":\"explode\"}"), "explode");
        }

        @Test
        void anEnvTypeInTheWrongCaseIsNamedInTheError() throws Exception {
            assertRejected(s -> s.sendFrame("{\"type\":\"take\",\"env_type\":\"UV\"}"), "UV");
        }

        @Test
        void aMissingEnvTypeIsNamedInTheError() throws Exception {
            assertRejected(s -> s.sendFrame("{\"type\":\"take\"}"), "env_type");
        }

        @Test
        void aZeroLengthFrameIsAnsweredWithAnErrorThenClosed() throws Exception {
            assertRejected(s -> s.send(RawSocket.header(0)));
        }

        @Test
        void aRequestLargerThan64KiBIsRefusedWithoutReadingIt() throws Exception {
            assertRejected(s -> s.send(RawSocket.header(CONTROL_MAX + 1)), "65537");
        }

        @Test
        void aLengthWithTheHighBitSetIsRefusedAsTooLarge() throws Exception {
            assertRejected(s -> s.send(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}), "4294967295");
        }
    }

    @Nested
    class OtherChannels {
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"{\"channel\":\"settings_sync\"}", "{\"channel\":\"notebook_sync\",\"notebook_id\":\"abc\"}"})
        void syncChannelsSpeakFirstAndDropAPeerThatSendsGarbage(String handshake) {
            try (RawSocket s = RawSocket.open(daemon.socket(), handshake)) {
                // PROTOCOL.md §6.1: the daemon's first frame is an Automerge sync message (0x42 = v1)
                byte[] first = s.readFrame(ANSWER);
                assertThat(first).isNotEmpty();
                assertThat(first[0]).isEqualTo((byte) 0x42);
                s.sendFrame("not an automerge message");
                assertThat(s.awaitClose(ANSWER)).isEqualTo(RawSocket.Closed.EOF);
            }
            assertThat(daemon.answersPing()).isTrue();
        }

        @Test
        void blobGetPortAnswersTheHttpPortOnAConnectionThatCarriesMoreRequests() {
            String port = "{\"port\":" + daemon.info().orElseThrow().blobPort() + "}";
            try (RawSocket s = RawSocket.open(daemon.socket(), "{\"channel\":\"blob\"}")) {
                s.sendFrame("{\"action\":\"get_port\"}");
                assertThat(s.readJson(ANSWER)).isEqualTo(port);
                s.sendFrame("{\"action\":\"get_port\"}");
                assertThat(s.readJson(ANSWER)).as("the connection carries more requests").isEqualTo(port);
            }
            assertThat(newLogLines()).isEmpty();
        }

        @Test
        void blobStoreReadsTheDataFrameAndStaysInStep() {
            try (RawSocket s = RawSocket.open(daemon.socket(), "{\"channel\":\"blob\"}")) {
                s.sendFrame("{\"action\":\"store\",\"media_type\":\"image/png\"}");
                s.sendFrame(new byte[200_000]);
                assertThat(s.readJson(ANSWER)).matches("\\{\"hash\":\"[0-9a-f]{64}\"\\}");
                s.sendFrame("{\"action\":\"get_port\"}");
                assertThat(s.readJson(ANSWER)).as("still in step after the data frame").startsWith("{\"port\":");
            }
        }

        @Test
        void anUnknownBlobActionIsAnsweredWithAnErrorThenClosed() throws Exception {
            try (RawSocket s = RawSocket.open(daemon.socket(), "{\"channel\":\"blob\"}")) {
                s.sendFrame("{\"action\":\"explode\"}");
                JsonNode answer = json(s.readJson(ANSWER));
                assertThat(answer.path("error").asText()).contains("explode");
                assertThat(s.awaitClose(ANSWER)).isEqualTo(RawSocket.Closed.EOF);
            }
            assertOneLogLine("bad request", "explode");
        }
    }

    /** --handshake-timeout-ms: a connection that never chooses a channel is dropped. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class ASilentClient {
        RuntHome quickHome;
        DaemonProcess quick;

        @BeforeAll
        void startQuickDaemon(@TempDir Path dir) {
            quickHome = RuntHome.in(dir);
            quick = DaemonProcess.in(quickHome).handshakeTimeoutMs(300).start();
        }

        @AfterAll
        void stopQuickDaemon() {
            quick.close();
            quickHome.close();
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"sends nothing", "sends half a header"})
        void isDroppedAfterTheHandshakeTimeout(String behaviour) {
            int before = quick.logLines().size();
            try (RawSocket s = RawSocket.connect(quick.socket())) {
                long start = System.nanoTime();
                if (behaviour.equals("sends half a header")) {
                    s.send(new byte[] {0, 0});
                }
                assertThat(s.awaitClose(ANSWER)).isEqualTo(RawSocket.Closed.EOF);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("time until the daemon hung up")
                        .isGreaterThanOrEqualTo(Duration.ofMillis(250))
                        .isLessThan(ANSWER);
            }
            await().atMost(ANSWER).until(() -> quick.logLines().size() > before);
            List<String> lines = quick.logLines().subList(before, quick.logLines().size());
            assertThat(lines).hasSize(1).first().satisfies(l -> assertThat(l).contains("timed out after 300 ms"));
            assertThat(quick.answersPing()).isTrue();
        }

        @Test
        void aPoolClientThatWentQuietAfterItsHandshakeIsNotDropped() {
            // PROTOCOL.md §7: no server-side timeout once the channel is chosen
            try (RawSocket s = RawSocket.open(quick.socket(), POOL)) {
                s.sendFrame("{\"type\":\"ping\"}");
                assertThat(s.readJson(ANSWER)).isEqualTo("{\"type\":\"pong\"}");
                // let a handshake timeout pass (a silent newcomer is dropped), then use the connection again
                try (RawSocket silent = RawSocket.connect(quick.socket())) {
                    assertThat(silent.awaitClose(ANSWER)).isEqualTo(RawSocket.Closed.EOF);
                }
                s.sendFrame("{\"type\":\"ping\"}");
                assertThat(s.readJson(ANSWER)).isEqualTo("{\"type\":\"pong\"}");
            }
        }
    }
}
