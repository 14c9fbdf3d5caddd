package io.runtimed.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.protocol.NotebookFrames;
import io.runtimed.protocol.NotebookRequest;
import io.runtimed.protocol.NotebookResponse;
import io.runtimed.sync.notebook.NotebookDoc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.automerge.Document;
import org.automerge.SyncState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notebook client's typed frames (KERNELS.md §1–§3) against scripted daemons: a real Automerge
 * document on the other end, capabilities first (or not, for a v1 daemon), then requests answered
 * by a script.
 */
class NotebookClientTypedFramesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private Thread server;
    private final List<String> handshakes = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.join(WAIT.toMillis());
        }
    }

    /** What a scripted v2 daemon does with each request; it may write any frames. */
    interface Answers {
        void onRequest(NotebookRequest request, FrameChannel frames) throws IOException;
    }

    private Path daemon(boolean v2, Answers answers) throws IOException {
        Path socket = tmp.resolve("d.sock");
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        server = new Thread(() -> {
            Document doc = NotebookDoc.createFresh("nb");
            SyncState state = new SyncState();
            try (listener; SocketChannel ch = listener.accept(); FrameChannel frames = new FrameChannel(ch)) {
                handshakes.add(new String(frames.readFrame(Frames.CONTROL_MAX), StandardCharsets.UTF_8));
                if (v2) {
                    frames.writeFrame(NotebookFrames.capabilities());
                }
                byte[] first = doc.generateSyncMessage(state).orElseThrow();
                frames.writeFrame(v2 ? NotebookFrames.sync(first) : first);
                byte[] frame;
                while ((frame = frames.readFrame(Frames.DATA_MAX)) != null) {
                    byte[] sync = frame;
                    if (v2) {
                        NotebookFrames.Typed t = NotebookFrames.decode(frame);
                        if (t.type() == NotebookFrames.Type.REQUEST) {
                            answers.onRequest(Json.parse(t.payload(), NotebookRequest.class), frames);
                            continue;
                        }
                        sync = t.payload();
                    }
                    doc.receiveSyncMessage(state, sync);
                    Optional<byte[]> reply = doc.generateSyncMessage(state);
                    if (reply.isPresent()) {
                        frames.writeFrame(v2 ? NotebookFrames.sync(reply.get()) : reply.get());
                    }
                }
            } catch (IOException e) {
                // the client left
            } finally {
                state.free();
                doc.free();
            }
        }, "scripted-notebook-daemon");
        server.setDaemon(true);
        server.start();
        return socket;
    }

    private static NotebookClient join(Path socket) throws DaemonClientException {
        return NotebookClient.join(socket, "nb");
    }

    /** Answers get_kernel_info and get_queue_state like today's daemon; no_kernel for the rest. */
    private static final Answers IDLE_ROOM = (request, frames) -> frames.writeFrame(NotebookFrames.response(
            request instanceof NotebookRequest.GetKernelInfo ? NotebookResponse.KernelInfo.notStarted()
                    : request instanceof NotebookRequest.GetQueueState ? new NotebookResponse.QueueState(null, List.of())
                    : new NotebookResponse.NoKernel()));

    @Nested
    class Handshake {
        @Test
        void asksForTypedFramesAndSpeaksThemWithAV2Daemon() throws Exception {
            try (NotebookClient c = join(daemon(true, IDLE_ROOM))) {
                assertThat(handshakes).containsExactly("{\"channel\":\"notebook_sync\",\"notebook_id\":\"nb\",\"protocol\":\"v2\"}");
                assertThat(c.protocol()).isEqualTo(NotebookClient.Protocol.V2);
                assertThat(c.kernel().isAvailable()).isTrue();
                c.addCell(0, "c1", "code");
                c.updateSource("c1", "1+1");
                assertThat(c.awaitSynced(WAIT)).as("sync messages travel in 0x00 frames both ways").isTrue();
                assertThat(c.kernel().kernelInfo()).isEqualTo(NotebookResponse.KernelInfo.notStarted());
            }
        }

        @Test
        void followsAV1DaemonWithPlainFramesAndSaysTheKernelApiIsUnavailable() throws Exception {
            try (NotebookClient c = join(daemon(false, IDLE_ROOM))) {
                assertThat(c.protocol()).isEqualTo(NotebookClient.Protocol.V1);
                c.addCell(0, "c1", "code");
                assertThat(c.awaitSynced(WAIT)).isTrue();
                assertThatThrownBy(() -> c.kernel().kernelInfo()).isInstanceOf(DaemonClientException.class)
                        .hasMessageContaining("does not support kernel requests")
                        .matches(e -> ((DaemonClientException) e).kind() == DaemonClientException.Kind.UNSUPPORTED);
            }
        }

        @Test
        void aV1HandshakeCanStillBeAskedFor() throws Exception {
            try (NotebookClient c = NotebookClient.join(daemon(false, IDLE_ROOM), "nb", Duration.ofSeconds(2),
                    NotebookClient.ACK_WAIT, NotebookClient.Protocol.V1)) {
                assertThat(handshakes).containsExactly("{\"channel\":\"notebook_sync\",\"notebook_id\":\"nb\"}");
                assertThat(c.protocol()).isEqualTo(NotebookClient.Protocol.V1);
            }
        }
    }

    @Nested
    class Requests {
        @Test
        void answersPairWithRequestsInOrderAcrossThreads() throws Exception {
            try (NotebookClient c = join(daemon(true, IDLE_ROOM))) {
                List<Thread> threads = new java.util.ArrayList<>();
                List<Object> seen = new CopyOnWriteArrayList<>();
                for (int i = 0; i < 8; i++) {
                    boolean info = i % 2 == 0;
                    Thread t = new Thread(() -> {
                        try {
                            seen.add(info ? c.kernel().kernelInfo() : c.kernel().queueState());
                        } catch (DaemonClientException e) {
                            seen.add(e);
                        }
                    });
                    threads.add(t);
                    t.start();
                }
                for (Thread t : threads) {
                    t.join(WAIT.toMillis());
                }
                assertThat(seen).hasSize(8).allMatch(o -> o instanceof NotebookResponse);
                assertThat(c.kernel().executeCell("c1")).isEqualTo(new NotebookResponse.NoKernel());
            }
        }

        @Test
        void aTimedOutRequestsLateAnswerIsNeverTakenForTheNextOne() throws Exception {
            CountDownLatch late = new CountDownLatch(1);
            Answers slowFirst = (request, frames) -> {
                if (request instanceof NotebookRequest.LaunchKernel) {
                    try {
                        late.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                    frames.writeFrame(NotebookFrames.response(new NotebookResponse.Error("Failed to launch kernel: slow")));
                    return;
                }
                IDLE_ROOM.onRequest(request, frames);
            };
            try (NotebookClient c = join(daemon(true, slowFirst))) {
                assertThatThrownBy(() -> c.kernel().launchKernel("auto", "auto", null, Duration.ofMillis(200)))
                        .isInstanceOf(DaemonClientException.class)
                        .hasMessage("No answer to launch_kernel within 200 ms")
                        .matches(e -> ((DaemonClientException) e).kind() == DaemonClientException.Kind.TIMEOUT);
                late.countDown();
                assertThat(c.kernel().queueState()).as("the late error went to the orphaned launch")
                        .isEqualTo(new NotebookResponse.QueueState(null, List.of()));
                assertThat(c.isConnected()).isTrue();
            }
        }

        @Test
        void aBrokenConnectionFailsTheWaitingRequest() throws Exception {
            Answers hangUp = (request, frames) -> frames.close();
            try (NotebookClient c = join(daemon(true, hangUp))) {
                assertThatThrownBy(() -> c.kernel().interrupt()).isInstanceOf(DaemonClientException.class)
                        .hasMessageStartingWith("Disconnected")
                        .matches(e -> ((DaemonClientException) e).kind() == DaemonClientException.Kind.PROTOCOL);
                assertThatThrownBy(() -> c.kernel().interrupt()).hasMessageStartingWith("Disconnected");
            }
        }
    }

    @Nested
    class Broadcasts {
        @Test
        void reachListenersInArrivalOrderOffTheReaderThreadSkippingUnknownEvents() throws Exception {
            Answers chatty = (request, frames) -> {
                frames.writeFrame(NotebookFrames.broadcast(new NotebookBroadcast.QueueChanged("c1", List.of())));
                frames.writeFrame(NotebookFrames.encode(NotebookFrames.Type.BROADCAST,
                        "{\"event\":\"env_progress\",\"env_type\":\"uv\",\"phase\":\"creating_venv\"}"
                                .getBytes(StandardCharsets.UTF_8)));
                frames.writeFrame(NotebookFrames.broadcast(new NotebookBroadcast.ExecutionDone("c1")));
                IDLE_ROOM.onRequest(request, frames);
            };
            try (NotebookClient c = join(daemon(true, chatty))) {
                List<NotebookBroadcast> got = new CopyOnWriteArrayList<>();
                List<String> threads = new CopyOnWriteArrayList<>();
                c.addBroadcastListener(b -> {
                    got.add(b);
                    threads.add(Thread.currentThread().getName());
                });
                c.kernel().executeCell("c1");
                await().atMost(WAIT).until(() -> got.size() == 2);
                assertThat(got).containsExactly(new NotebookBroadcast.QueueChanged("c1", List.of()),
                        new NotebookBroadcast.ExecutionDone("c1"));
                assertThat(threads).allMatch(n -> n.startsWith("notebook-broadcasts-"));
            }
        }

        @Test
        void thoseThatCameWhileJoiningAreKeptForTheFirstListener() throws Exception {
            Path socket = daemonThatGreetsWith(new NotebookBroadcast.CommSync(List.of()));
            try (NotebookClient c = join(socket)) {
                List<NotebookBroadcast> got = new CopyOnWriteArrayList<>();
                c.kernel().queueState(); // the broadcast is on its way before the answer
                c.addBroadcastListener(got::add);
                await().atMost(WAIT).until(() -> got.size() == 1);
                assertThat(got).containsExactly(new NotebookBroadcast.CommSync(List.of()));
            }
        }
    }

    /** A v2 daemon that sends {@code greeting} before its first answer, before anyone listens. */
    private Path daemonThatGreetsWith(NotebookBroadcast greeting) throws IOException {
        boolean[] sent = new boolean[1];
        return daemon(true, (request, frames) -> {
            if (!sent[0]) {
                sent[0] = true;
                frames.writeFrame(NotebookFrames.broadcast(greeting));
            }
            IDLE_ROOM.onRequest(request, frames);
        });
    }

    @Nested
    class Outputs {
        @Test
        void inlineJsonIsTakenAsItIsAndManifestsAreResolvedThroughTheBlobServer() throws Exception {
            HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            String manifest = "a".repeat(64);
            String big = "b".repeat(64);
            String tb = "c".repeat(64);
            java.util.Map<String, String> blobs = java.util.Map.of(
                    manifest, "{\"output_type\":\"display_data\",\"data\":{\"text/plain\":{\"inline\":\"<Figure>\"},"
                            + "\"application/vnd.x+json\":{\"inline\":\"{\\\"a\\\":1}\"},\"image/png\":{\"blob\":\"" + big
                            + "\",\"size\":4}},\"transient\":{\"display_id\":\"d1\"}}",
                    big, "iVBO",
                    tb, "{\"output_type\":\"error\",\"ename\":\"ZeroDivisionError\",\"evalue\":\"division by zero\","
                            + "\"traceback\":{\"inline\":\"[\\\"line 1\\\",\\\"ZeroDivisionError\\\"]\"}}");
            http.createContext("/blob/", ex -> {
                String hash = ex.getRequestURI().getPath().substring("/blob/".length());
                byte[] body = blobs.getOrDefault(hash, "").getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(blobs.containsKey(hash) ? 200 : 404, body.length == 0 ? -1 : body.length);
                ex.getResponseBody().write(body);
                ex.close();
            });
            http.start();
            try {
                OutputResolver r = new OutputResolver(() -> OptionalInt.of(http.getAddress().getPort()));
                ObjectNode display = r.resolve(manifest.toUpperCase());
                assertThat(display.toString()).isEqualTo("{\"output_type\":\"display_data\",\"data\":{"
                        + "\"text/plain\":\"<Figure>\",\"application/vnd.x+json\":{\"a\":1},\"image/png\":\"iVBO\"},"
                        + "\"metadata\":{},\"transient\":{\"display_id\":\"d1\"}}");
                JsonNode error = r.resolve(tb);
                assertThat(error.get("traceback").toString()).isEqualTo("[\"line 1\",\"ZeroDivisionError\"]");
                String inline = "{\"output_type\":\"stream\",\"name\":\"stdout\",\"text\":\"hi\\n\"}";
                assertThat(r.resolve(inline).toString()).isEqualTo(inline);
                assertThatThrownBy(() -> r.resolve("d".repeat(64))).hasMessageContaining("HTTP 404");
            } finally {
                http.stop(0);
            }
        }
    }
}
