package io.runtimed.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runtimed.client.DaemonSocket;
import io.runtimed.daemon.Daemon;
import io.runtimed.daemon.DaemonConfig;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.NotebookDocFiles;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Handshake;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.notebook.NotebookDoc;
import io.runtimed.testkit.RawSyncPeer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KERNELS.md §11.1 {@code inspect_notebook} and {@code list_rooms} in a real daemon over its socket,
 * compared byte for byte: a live room, the same notebook from its file once the room closed, no
 * notebook at all, and files that cannot be read or decoded (which inspecting must leave as they were).
 */
class InspectNotebookTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;
    InJvmDaemon running;
    Daemon daemon;
    Path socket;
    Path docsDir;

    @BeforeEach
    void start() throws Exception {
        running = InJvmDaemon.start(tmp);
        daemon = running.daemon();
        socket = running.socket();
        docsDir = running.config().notebookDocsDir();
    }

    @AfterEach
    void stop() {
        running.close();
    }

    /** One request on a fresh pool connection; the answer's exact text. */
    private String ask(String request) throws Exception {
        try (FrameChannel c = DaemonSocket.open(socket, new Handshake.Pool(), WAIT)) {
            c.writeFrame(request.getBytes(StandardCharsets.UTF_8), WAIT);
            return new String(c.readFrame(Frames.DATA_MAX, WAIT), StandardCharsets.UTF_8);
        }
    }

    private static String inspect(String id) {
        return "{\"type\":\"inspect_notebook\",\"notebook_id\":\"" + id + "\"}";
    }

    private void awaitNoRooms() {
        await("the room closed").atMost(WAIT).until(() -> daemon.notebooks().list().isEmpty());
    }

    @Nested
    class FromALiveRoom {
        @Test
        void theRoomsCellsComeWithSourceLiveRoomAndNoKernel() throws Exception {
            String cells = "[{\"id\":\"c1\",\"cell_type\":\"code\",\"source\":\"x = 42\",\"execution_count\":\"1\","
                    + "\"outputs\":[\"{\\\"output_type\\\":\\\"stream\\\"}\"]},{\"id\":\"m\",\"cell_type\":\"markdown\","
                    + "\"source\":\"\",\"execution_count\":\"null\",\"outputs\":[]}]";
            try (RawSyncPeer peer = RawSyncPeer.connectNotebook(socket, "nb-live", "peer")) {
                assertThat(peer.await(d -> NotebookDoc.notebookId(d).isPresent(), WAIT)).isTrue();
                peer.change(tx -> {
                    NotebookDoc.addCell(tx, 0, "c1", "code", false);
                    NotebookDoc.updateSource(tx, "c1", "x = 42");
                    NotebookDoc.setExecutionCount(tx, "c1", "1");
                    NotebookDoc.appendOutput(tx, "c1", "{\"output_type\":\"stream\"}");
                    NotebookDoc.addCell(tx, 1, "m", "markdown", false);
                });
                await().atMost(WAIT).until(() ->
                        daemon.notebooks().snapshot("nb-live").map(s -> s.cells().size()).orElse(0) == 2);

                assertThat(ask("{\"type\":\"list_rooms\"}")).isEqualTo("{\"type\":\"rooms_list\",\"rooms\":["
                        + "{\"notebook_id\":\"nb-live\",\"active_peers\":1,\"has_kernel\":false}]}");
                assertThat(ask(inspect("nb-live"))).isEqualTo("{\"type\":\"notebook_state\",\"notebook_id\":\"nb-live\","
                        + "\"cells\":" + cells + ",\"source\":\"live_room\",\"kernel_info\":null}");
            }
            awaitNoRooms();
            assertThat(ask("{\"type\":\"list_rooms\"}")).isEqualTo("{\"type\":\"rooms_list\",\"rooms\":[]}");
            // the same cells, now from the file the room left behind
            assertThat(ask(inspect("nb-live"))).isEqualTo("{\"type\":\"notebook_state\",\"notebook_id\":\"nb-live\","
                    + "\"cells\":" + cells + ",\"source\":\"persisted_file\",\"kernel_info\":null}");
        }

        @Test
        void aFileWithATornLastAppendIsReadAsTheRoomWouldReadItAndLeftAsItWas() throws Exception {
            try (RawSyncPeer peer = RawSyncPeer.connectNotebook(socket, "nb-torn", "peer")) {
                assertThat(peer.await(d -> NotebookDoc.notebookId(d).isPresent(), WAIT)).isTrue();
                peer.change(tx -> NotebookDoc.addCell(tx, 0, "kept", "code", false));
                await().atMost(WAIT).until(() ->
                        daemon.notebooks().snapshot("nb-torn").map(s -> s.cells().size()).orElse(0) == 1);
            }
            awaitNoRooms();
            Path file = NotebookDocFiles.fileFor(docsDir, "nb-torn");
            byte[] whole = Files.readAllBytes(file);
            // a daemon killed half way through an append: the start of a chunk (its magic bytes) and no more
            byte[] torn = java.util.Arrays.copyOf(whole, whole.length + 12);
            System.arraycopy(whole, 0, torn, whole.length, 12);
            Files.write(file, torn);
            assertThat(ask(inspect("nb-torn"))).contains("\"id\":\"kept\"").contains("\"source\":\"persisted_file\"");
            assertThat(Files.readAllBytes(file)).as("the file, byte for byte").isEqualTo(torn);
        }
    }

    @Nested
    class WithoutARoom {
        @Test
        void noRoomAndNoFileIsTheSpecsErrorWithTheFilesPathDebugQuoted() throws Exception {
            Path file = NotebookDocFiles.fileFor(docsDir, "never-opened");
            assertThat(ask(inspect("never-opened"))).isEqualTo("{\"type\":\"error\",\"message\":\"Notebook not found: "
                    + "no active room and no persisted file at \\\"" + file + "\\\"\"}");
            assertThat(file).doesNotExist();
        }

        @Test
        void aCorruptFileIsAParseErrorAndStaysExactlyAsItWas() throws Exception {
            Path file = NotebookDocFiles.fileFor(docsDir, "corrupt");
            Files.createDirectories(docsDir);
            byte[] garbage = "definitely not an automerge document\u0000\u0001".getBytes(StandardCharsets.UTF_8);
            Files.write(file, garbage);
            String answer = ask(inspect("corrupt"));
            assertThat(answer).startsWith("{\"type\":\"error\",\"message\":\"Failed to parse Automerge doc: ");
            assertThat(Files.readAllBytes(file)).as("the file, byte for byte").isEqualTo(garbage);
            try (Stream<Path> files = Files.list(docsDir)) {
                assertThat(files).as("nothing renamed or added").containsExactly(file);
            }
        }

        @Test
        void aFileThatCannotBeReadIsAReadError() throws Exception {
            // a directory where the file should be: unreadable for any user, root included
            Path file = NotebookDocFiles.fileFor(docsDir, "unreadable");
            Files.createDirectories(file);
            assertThat(ask(inspect("unreadable")))
                    .startsWith("{\"type\":\"error\",\"message\":\"Failed to read persisted file: ");
            assertThat(file).isDirectory();
        }
    }
}
