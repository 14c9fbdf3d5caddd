package io.runtimed.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.daemon.Daemon;
import io.runtimed.daemon.DaemonConfig;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.notebook.NotebookDoc;
import io.runtimed.testkit.RawSyncPeer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KERNELS.md §1: typed frames on notebook_sync inside a real daemon, with hand-written peers: the
 * opening sequence, requests answered in order and exactly once, bad requests answered without
 * dropping the connection, bad frames dropping only their own connection, and plain (v1) peers in
 * the same room syncing as before.
 */
class NotebookTypedFramesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;
    InJvmDaemon running;
    Daemon daemon;
    Path socket;

    @BeforeEach
    void start() throws Exception {
        running = InJvmDaemon.start(tmp);
        daemon = running.daemon();
        socket = running.socket();
    }

    @AfterEach
    void stop() {
        running.close();
    }

    @Test
    void theCapabilitiesFrameComesFirstThenTypedSyncFrames() throws Exception {
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, "nb-open", "v2")) {
            assertThat(peer.awaitFirstFrame(WAIT)).asString(StandardCharsets.UTF_8).isEqualTo("{\"protocol\":\"v2\"}");
            assertThat(peer.await(d -> NotebookDoc.notebookId(d).isPresent(), WAIT)).isTrue();
            assertThat(peer.frameTypes()).isNotEmpty().allMatch(t -> t == 0x00);
        }
    }

    @Test
    void requestsAreAnsweredInOrderAndExactlyOnce() throws Exception {
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, "nb-order", "v2")) {
            peer.request("{\"action\":\"get_kernel_info\"}");
            peer.request("{\"action\":\"get_queue_state\"}");
            peer.request("{\"action\":\"interrupt_execution\"}");
            peer.request("{\"action\":\"get_kernel_info\",\"extra\":1}");
            List<String> answers = peer.awaitResponses(4, WAIT);
            assertThat(answers).containsExactly(
                    "{\"result\":\"kernel_info\",\"kernel_type\":null,\"env_source\":null,\"status\":\"not_started\"}",
                    "{\"result\":\"queue_state\",\"executing\":null,\"queued\":[]}",
                    "{\"result\":\"no_kernel\"}",
                    "{\"result\":\"kernel_info\",\"kernel_type\":null,\"env_source\":null,\"status\":\"not_started\"}");
            peer.request("{\"action\":\"get_queue_state\"}");
            assertThat(peer.awaitResponses(5, WAIT)).hasSize(5);
            assertThat(peer.frameTypes().stream().filter(t -> t == 0x02)).hasSize(5);
        }
    }

    @Test
    void aBadRequestIsAnsweredWithAnErrorAndTheConnectionStays() throws Exception {
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, "nb-bad", "v2")) {
            peer.request("{\"action\":\"launch_rocket\"}");
            peer.request("not json");
            peer.request("{\"action\":\"execute_cell\"}");
            peer.request("{\"action\":\"get_queue_state\"}");
            List<String> answers = peer.awaitResponses(4, WAIT);
            assertThat(answers).hasSize(4);
            assertThat(peer.await(d -> NotebookDoc.notebookId(d).isPresent(), WAIT)).isTrue();
            assertThat(answers.subList(0, 3)).allSatisfy(a ->
                    assertThat(a).startsWith("{\"result\":\"error\",\"error\":\"invalid request: "));
            assertThat(answers.get(3)).isEqualTo("{\"result\":\"queue_state\",\"executing\":null,\"queued\":[]}");
            peer.change(tx -> NotebookDoc.addCell(tx, 0, "c1", "code", false));
            org.awaitility.Awaitility.await("the room still syncs").atMost(WAIT).until(() ->
                    daemon.notebooks().snapshot("nb-bad").map(s -> s.cells().size()).orElse(0) == 1);
        }
    }

    @Test
    void clientResponseAndBroadcastFramesAreIgnored() throws Exception {
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, "nb-ignore", "v2")) {
            peer.sendRaw(new byte[] {0x02, '{', '}'});
            peer.sendRaw(new byte[] {0x03, '{', '}'});
            peer.request("{\"action\":\"get_queue_state\"}");
            assertThat(peer.awaitResponses(1, WAIT)).hasSize(1);
        }
    }

    @Test
    void anEmptyFrameOrAnUnknownTypeDropsOnlyThatConnection() throws Exception {
        try (RawSyncPeer good = RawSyncPeer.connectTypedNotebook(socket, "nb-frames", "good");
             RawSyncPeer empty = RawSyncPeer.connectTypedNotebook(socket, "nb-frames", "empty");
             RawSyncPeer unknown = RawSyncPeer.connectTypedNotebook(socket, "nb-frames", "unknown")) {
            assertThat(empty.awaitFirstFrame(WAIT)).isNotNull();
            assertThat(unknown.awaitFirstFrame(WAIT)).isNotNull();
            empty.sendRaw(new byte[0]);
            unknown.sendRaw(new byte[] {0x09, 1, 2});
            assertThat(empty.awaitDisconnect(WAIT)).isTrue();
            assertThat(unknown.awaitDisconnect(WAIT)).isTrue();
            assertThat(good.await(d -> NotebookDoc.notebookId(d).isPresent(), WAIT)).isTrue();
            good.change(tx -> NotebookDoc.addCell(tx, 0, "c1", "code", false));
            good.request("{\"action\":\"get_queue_state\"}");
            assertThat(good.awaitResponses(1, WAIT)).hasSize(1);
        }
    }

    @Test
    void aPlainPeerAndATypedPeerShareARoom() throws Exception {
        try (RawSyncPeer typed = RawSyncPeer.connectTypedNotebook(socket, "nb-mixed", "v2");
             RawSyncPeer plain = RawSyncPeer.connectNotebook(socket, "nb-mixed", "v1")) {
            assertThat(typed.await(d -> NotebookDoc.notebookId(d).isPresent(), WAIT)).isTrue();
            assertThat(plain.await(d -> NotebookDoc.notebookId(d).isPresent(), WAIT)).isTrue();
            typed.change(tx -> NotebookDoc.addCell(tx, 0, "from-v2", "code", false));
            plain.change(tx -> NotebookDoc.addCell(tx, 0, "from-v1", "markdown", false));
            assertThat(plain.await(d -> NotebookDoc.cell(d, "from-v2").isPresent(), WAIT)).isTrue();
            assertThat(typed.await(d -> NotebookDoc.cell(d, "from-v1").isPresent(), WAIT)).isTrue();
            assertThat(plain.awaitFirstFrame(WAIT)[0]).as("v1 gets raw sync messages").isIn((byte) 0x42, (byte) 0x43);
        }
    }
}
