package io.runtimed.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.blob.BlobStore;
import io.runtimed.client.PoolClient;
import io.runtimed.daemon.Daemon;
import io.runtimed.daemon.DaemonConfig;
import io.runtimed.outputs.ManifestResolver;
import io.runtimed.outputs.OutputBlobs;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import io.runtimed.paths.NotebookDocFiles;
import io.runtimed.pool.PoolOptions;
import io.runtimed.sync.DocumentDecodeException;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.sync.notebook.NotebookDoc;
import io.runtimed.testkit.RawSyncPeer;
import io.runtimed.testkit.SystemPackages;
import io.runtimed.tools.StandIns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.automerge.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kernels owned by a room, inside a real daemon in this JVM, driven by hand-written typed-frame
 * peers: real ipykernel kernels (Debian's python3-ipykernel) in real venvs that the stand-in uv
 * builds. One daemon for the class, with a running-kernel pool of one (beyond the original: a
 * launch takes a kernel that already runs); each test uses its own notebook (and so its own kernel).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoomKernelWithTheStandInUvTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(2);
    private static final AtomicInteger IDS = new AtomicInteger();

    @TempDir
    static Path tmp;
    Daemon daemon;
    Path socket;
    ManifestResolver manifests;

    @BeforeAll
    void start() throws Exception {
        SystemPackages.requireIpykernelAndIpywidgets();
        StandIns tools = new StandIns(tmp.resolve("tools"));
        Path uv = tools.uv();
        RuntPaths paths = new RuntPaths(BaseDirs.under(tmp.resolve("home")));
        DaemonConfig.Builder b = DaemonConfig.builder(paths).poolSizes(3, 0)
                .pool(new PoolOptions(uv, null, Path.of(StandIns.PYTHON), true, null, null, 2, Duration.ofSeconds(1),
                        Duration.ofSeconds(5)));
        b.kernels(b.kernels().withPoolSize(1).withKeepAlive(KEEP_ALIVE).withPreimports(List.of("wave", "not a module; import os")));
        DaemonConfig config = b.build();
        socket = config.socket();
        daemon = Daemon.start(config);
        // through the daemon's own store: an output is in the document before its blobs are on disk (deferred)
        manifests = new ManifestResolver(daemon.kernels().outputBlobs());
        awaitPoolsFull();
    }

    /**
     * Each test starts with the pools refilled from the tests before it (a launch takes the pooled
     * kernel or, while that is refilled, an environment): with both drained, a launch is answered
     * "UV pool empty", as the spec says.
     */
    @BeforeEach
    void awaitPoolsFull() {
        PoolClient pool = new PoolClient(socket);
        await().atMost(Duration.ofSeconds(90)).until(() -> pool.status().uvAvailable() >= 2
                && daemon.kernels().pool().orElseThrow().ready() == 1);
    }

    @AfterAll
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private String notebook() {
        return "nb-kernel-" + IDS.incrementAndGet();
    }

    /** Adds a code cell and waits until the daemon has it (a request may not overtake the sync). */
    private void addCode(RawSyncPeer peer, int index, String id, String code) throws Exception {
        // edit the daemon's document, never a cells list of our own (it would lose to the daemon's)
        assertThat(peer.await(d -> NotebookDoc.notebookId(d).isPresent(), WAIT)).isTrue();
        peer.change(tx -> {
            NotebookDoc.addCell(tx, index, id, "code", false);
            NotebookDoc.updateSource(tx, id, code);
        });
        awaitDaemonHas(peer, id);
    }

    private void awaitDaemonHas(RawSyncPeer peer, String cellId) {
        String notebook = peer.read(d -> NotebookDoc.notebookId(d).orElseThrow());
        await().atMost(WAIT).until(() -> daemon.notebooks().snapshot(notebook)
                .map(s -> s.cells().stream().anyMatch(c -> c.id().equals(cellId))).orElse(false));
    }

    private static String launch(RawSyncPeer peer, int answersSoFar) throws Exception {
        peer.request("{\"action\":\"launch_kernel\",\"kernel_type\":\"auto\",\"env_source\":\"auto\",\"notebook_path\":null}");
        return peer.awaitResponses(answersSoFar + 1, WAIT).get(answersSoFar);
    }

    private Optional<NotebookCell> cell(RawSyncPeer peer, String id) {
        return peer.read(d -> NotebookDoc.cell(d, id));
    }

    private List<ObjectNode> outputs(RawSyncPeer peer, String id) throws Exception {
        List<ObjectNode> out = new ArrayList<>();
        for (String entry : cell(peer, id).orElseThrow().outputs()) {
            out.add(manifests.resolve(entry));
        }
        return out;
    }

    @Test
    void aLaunchedKernelRunsACellAndItsResultAndCountReachTheDocument() throws Exception {
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, notebook(), "a")) {
            assertThat(launch(peer, 0)).startsWith("{\"result\":\"kernel_launched\",\"kernel_type\":\"python\","
                    + "\"env_source\":\"uv:prewarmed\",\"launched_config\":{\"launch_id\":\"");
            addCode(peer, 0, "c1", "print('hi')\n1+1");
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"c1\"}");
            assertThat(peer.awaitResponses(2, WAIT).get(1)).isEqualTo("{\"result\":\"cell_queued\",\"cell_id\":\"c1\"}");
            peer.awaitBroadcast("{\"event\":\"execution_done\",\"cell_id\":\"c1\"}", WAIT);
            assertThat(peer.await(d -> NotebookDoc.cell(d, "c1").map(c -> c.outputs().size() == 2
                    && c.executionCount().equals("1")).orElse(false), WAIT)).isTrue();
            List<ObjectNode> outs = outputs(peer, "c1");
            assertThat(outs.get(0).toString()).isEqualTo("{\"output_type\":\"stream\",\"name\":\"stdout\",\"text\":\"hi\\n\"}");
            assertThat(outs.get(1).path("output_type").asText()).isEqualTo("execute_result");
            assertThat(outs.get(1).path("data").path("text/plain").asText()).isEqualTo("2");
            List<String> events = peer.broadcasts();
            assertThat(events).contains("{\"event\":\"execution_started\",\"cell_id\":\"c1\",\"execution_count\":1}",
                    "{\"event\":\"queue_changed\",\"executing\":\"c1\",\"queued\":[]}",
                    "{\"event\":\"kernel_status\",\"status\":\"busy\",\"cell_id\":\"c1\"}");
            assertThat(events.stream().filter(e -> e.startsWith("{\"event\":\"output\",\"cell_id\":\"c1\""))).hasSize(2);
            peer.request("{\"action\":\"get_kernel_info\"}");
            assertThat(peer.awaitResponses(3, WAIT).get(2))
                    .isEqualTo("{\"result\":\"kernel_info\",\"kernel_type\":\"python\",\"env_source\":\"uv:prewarmed\",\"status\":\"idle\"}");
            peer.request("{\"action\":\"launch_kernel\",\"kernel_type\":\"auto\",\"env_source\":\"auto\",\"notebook_path\":null}");
            assertThat(peer.awaitResponses(4, WAIT).get(3)).startsWith("{\"result\":\"kernel_already_running\"");
            peer.request("{\"action\":\"shutdown_kernel\"}");
            assertThat(peer.awaitResponses(5, WAIT).get(4)).isEqualTo("{\"result\":\"kernel_shutting_down\"}");
        }
    }

    /**
     * A kernel's outputs are staged for the disk after the windows have them (not in the change
     * itself): they still reach the room's file while the room stays open and nothing else changes
     * the document (without that staging, only a later edit or the room's close would write them).
     */
    @Test
    void aCellsOutputsReachTheRoomsFileWhileTheRoomStaysOpenAndNothingElseChanges() throws Exception {
        String notebook = notebook();
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, notebook, "a")) {
            assertThat(launch(peer, 0)).startsWith("{\"result\":\"kernel_launched\"");
            addCode(peer, 0, "c1", "6*7");
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"c1\"}");
            peer.awaitBroadcast("{\"event\":\"execution_done\",\"cell_id\":\"c1\"}", WAIT);
            assertThat(peer.await(d -> NotebookDoc.cell(d, "c1").map(c -> c.outputs().size() == 1).orElse(false), WAIT))
                    .isTrue();
            NotebookCell inWindow = cell(peer, "c1").orElseThrow();
            Path file = NotebookDocFiles.fileFor(daemon.notebooks().docsDir(), notebook);
            await().atMost(WAIT).until(() -> onDisk(file, "c1")
                    .map(c -> c.outputs().equals(inWindow.outputs()) && c.executionCount().equals(inWindow.executionCount()))
                    .orElse(false));
        }
    }

    /** The cell as the room's file holds it now (read without touching the file); empty while an append is under way. */
    private static Optional<NotebookCell> onDisk(Path file, String cellId) throws Exception {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Document doc;
        try {
            doc = NativeHandles.load(Files.readAllBytes(file));
        } catch (DocumentDecodeException e) {
            return Optional.empty();
        }
        try {
            return NotebookDoc.cell(doc, cellId);
        } finally {
            NativeHandles.free(doc);
        }
    }

    /** execute_cell's read of the code is remembered across output changes only: a window's edit is run. */
    @Test
    void aCellRunAgainRunsWhatAWindowLastMadeOfIt() throws Exception {
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, notebook(), "a")) {
            launch(peer, 0);
            addCode(peer, 0, "c1", "x = 1\nx");
            String notebook = peer.read(d -> NotebookDoc.notebookId(d).orElseThrow());
            int answers = 1;
            long[] lastCount = {-1};
            int runs = 0;
            for (String[] run : new String[][] {{null, "1"}, {null, "1"}, {"x + 41", "42"}, {null, "42"}, {"x * 3", "3"}}) {
                if (run[0] != null) {
                    peer.change(tx -> NotebookDoc.updateSource(tx, "c1", run[0]));
                    await().atMost(WAIT).until(() -> daemon.notebooks().snapshot(notebook)
                            .flatMap(sn -> sn.cell("c1")).map(c -> c.source().equals(run[0])).orElse(false));
                }
                peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"c1\"}");
                answers++;
                assertThat(peer.awaitResponses(answers, WAIT).get(answers - 1)).contains("cell_queued");
                // a count past the run before's, so a result that run left cannot pass for this one's
                assertThat(peer.await(d -> NotebookDoc.cell(d, "c1").map(c -> c.outputs().size() == 1
                        && c.executionCount().matches("\\d+") && Long.parseLong(c.executionCount()) > lastCount[0])
                        .orElse(false) && resultOf(peer).equals(run[1]), WAIT)).as("the run of %s", run[0]).isTrue();
                lastCount[0] = Long.parseLong(cell(peer, "c1").orElseThrow().executionCount());
                // done before the next request: a cell still executing is not queued again (§6.2)
                runs++;
                int expected = runs;
                await().atMost(WAIT).until(() -> peer.broadcasts().stream()
                        .filter(b -> b.equals("{\"event\":\"execution_done\",\"cell_id\":\"c1\"}")).count() == expected);
            }
            peer.change(tx -> tx.set(NotebookDoc.cellObject(tx, "c1").orElseThrow(), "cell_type", "markdown"));
            await().atMost(WAIT).until(() -> daemon.notebooks().snapshot(notebook)
                    .flatMap(sn -> sn.cell("c1")).map(c -> c.cellType().equals("markdown")).orElse(false));
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"c1\"}");
            assertThat(peer.awaitResponses(answers + 1, WAIT).get(answers)).contains("Cannot execute non-code cell");
        }
    }

    /** The text/plain of the cell's one execute_result, or "" while there is none. */
    private String resultOf(RawSyncPeer peer) {
        try {
            List<ObjectNode> outs = outputs(peer, "c1");
            return outs.size() == 1 && outs.get(0).path("output_type").asText().equals("execute_result")
                    ? outs.get(0).path("data").path("text/plain").asText() : "";
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void cellChecksComeBeforeTheKernelCheck() throws Exception {
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, notebook(), "a")) {
            assertThat(peer.await(d -> NotebookDoc.notebookId(d).isPresent(), WAIT)).isTrue();
            peer.change(tx -> NotebookDoc.addCell(tx, 0, "m1", "markdown", false));
            addCode(peer, 1, "c1", "1");
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"nope\"}");
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"m1\"}");
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"c1\"}");
            peer.request("{\"action\":\"run_all_cells\"}");
            peer.request("{\"action\":\"interrupt_execution\"}");
            peer.request("{\"action\":\"clear_outputs\",\"cell_id\":\"c1\"}");
            assertThat(peer.awaitResponses(6, WAIT)).containsExactly(
                    "{\"result\":\"error\",\"error\":\"Cell not found in document: nope\"}",
                    "{\"result\":\"error\",\"error\":\"Cannot execute non-code cell: m1 (type: markdown)\"}",
                    "{\"result\":\"no_kernel\"}",
                    "{\"result\":\"no_kernel\"}",
                    "{\"result\":\"no_kernel\"}",
                    "{\"result\":\"outputs_cleared\",\"cell_id\":\"c1\"}");
            peer.awaitBroadcast("{\"event\":\"outputs_cleared\",\"cell_id\":\"c1\"}", WAIT);
        }
    }

    @Test
    void theQueueRunsInOrderAndStopsAtAnError() throws Exception {
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, notebook(), "a")) {
            assertThat(launch(peer, 0)).startsWith("{\"result\":\"kernel_launched\"");
            addCode(peer, 0, "a", "x = 1");
            addCode(peer, 1, "b", "1/0");
            addCode(peer, 2, "c", "x = 2");
            peer.request("{\"action\":\"run_all_cells\"}");
            assertThat(peer.awaitResponses(2, WAIT).get(1)).isEqualTo("{\"result\":\"all_cells_queued\",\"count\":3}");
            peer.awaitBroadcast("{\"event\":\"execution_done\",\"cell_id\":\"b\"}", WAIT);
            assertThat(peer.await(d -> NotebookDoc.cell(d, "b").map(c -> c.outputs().size() == 1).orElse(false), WAIT))
                    .isTrue();
            assertThat(outputs(peer, "b").get(0).path("ename").asText()).isEqualTo("ZeroDivisionError");
            assertThat(peer.broadcasts()).doesNotContain("{\"event\":\"execution_started\",\"cell_id\":\"c\",\"execution_count\":3}");
            addCode(peer, 3, "d", "x");
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"d\"}");
            peer.awaitBroadcast("{\"event\":\"execution_done\",\"cell_id\":\"d\"}", WAIT);
            assertThat(peer.await(d -> NotebookDoc.cell(d, "d").map(c -> c.outputs().size() == 1).orElse(false), WAIT))
                    .isTrue();
            assertThat(outputs(peer, "d").get(0).path("data").path("text/plain").asText()).as("c never ran").isEqualTo("1");
        }
    }

    @Test
    void aKernelThatDiesIsReportedItsCellFinishedAndTheQueueEmptied() throws Exception {
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, notebook(), "a")) {
            assertThat(launch(peer, 0)).startsWith("{\"result\":\"kernel_launched\"");
            addCode(peer, 0, "die", "import os; os._exit(1)");
            addCode(peer, 1, "after", "1");
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"die\"}");
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"after\"}");
            peer.awaitBroadcast("{\"event\":\"kernel_status\",\"status\":\"shutdown\",\"cell_id\":null}", WAIT);
            peer.awaitBroadcast("{\"event\":\"execution_done\",\"cell_id\":\"die\"}", WAIT);
            List<String> events = peer.awaitBroadcast("{\"event\":\"queue_changed\",\"executing\":null,\"queued\":[]}", WAIT);
            assertThat(events.subList(events.indexOf("{\"event\":\"execution_done\",\"cell_id\":\"die\"}"), events.size()))
                    .contains("{\"event\":\"queue_changed\",\"executing\":null,\"queued\":[]}");
            peer.request("{\"action\":\"get_kernel_info\"}");
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"after\"}");
            List<String> answers = peer.awaitResponses(5, WAIT);
            assertThat(answers.get(3)).isEqualTo("{\"result\":\"kernel_info\",\"kernel_type\":null,\"env_source\":null,\"status\":\"not_started\"}");
            assertThat(answers.get(4)).isEqualTo("{\"result\":\"no_kernel\"}");
        }
    }

    @Test
    void theKernelOutlivesItsLastWindowByTheKeepAliveThenStops() throws Exception {
        String id = notebook();
        long pid;
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, id, "a")) {
            assertThat(launch(peer, 0)).startsWith("{\"result\":\"kernel_launched\"");
            addCode(peer, 0, "set", "import os; secret = 42; os.getpid()");
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"set\"}");
            peer.awaitBroadcast("{\"event\":\"execution_done\",\"cell_id\":\"set\"}", WAIT);
            assertThat(peer.await(d -> NotebookDoc.cell(d, "set").map(c -> c.outputs().size() == 1).orElse(false), WAIT))
                    .isTrue();
            pid = Long.parseLong(outputs(peer, "set").get(0).path("data").path("text/plain").asText());
        }
        // back within the keep-alive: the same kernel, with its variables
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, id, "b")) {
            assertThat(peer.await(d -> NotebookDoc.cell(d, "set").isPresent(), WAIT)).isTrue();
            addCode(peer, 1, "get", "secret");
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"get\"}");
            assertThat(peer.awaitResponses(1, WAIT).get(0)).isEqualTo("{\"result\":\"cell_queued\",\"cell_id\":\"get\"}");
            assertThat(peer.await(d -> NotebookDoc.cell(d, "get").map(c -> c.outputs().size() == 1).orElse(false), WAIT))
                    .isTrue();
            assertThat(outputs(peer, "get").get(0).path("data").path("text/plain").asText()).isEqualTo("42");
        }
        // after it: the room is gone and so is the kernel's process
        await().atMost(WAIT).until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        assertThat(daemon.notebooks().list()).noneMatch(r -> r.notebookId().equals(id));
    }

    @Test
    void theKernelRunsInTheNotebooksDirectory() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("project"));
        String id = dir.resolve("analysis.ipynb").toString();
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, id, "a")) {
            assertThat(launch(peer, 0)).startsWith("{\"result\":\"kernel_launched\"");
            addCode(peer, 0, "cwd", "import os; os.getcwd()");
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"cwd\"}");
            assertThat(peer.await(d -> NotebookDoc.cell(d, "cwd").map(c -> c.outputs().size() == 1).orElse(false), WAIT))
                    .isTrue();
            assertThat(outputs(peer, "cwd").get(0).path("data").path("text/plain").asText()).isEqualTo("'" + dir + "'");
            peer.request("{\"action\":\"shutdown_kernel\"}");
            peer.awaitResponses(3, WAIT);
        }
    }

    @Test
    void updateDisplayUpdatesEveryOutputWithItsId() throws Exception {
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, notebook(), "a")) {
            assertThat(launch(peer, 0)).startsWith("{\"result\":\"kernel_launched\"");
            addCode(peer, 0, "show", "from IPython.display import display\n"
                    + "display({'text/plain': 'a'}, raw=True, display_id='d1')\n"
                    + "display({'text/plain': 'a'}, raw=True, display_id='d1');");
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"show\"}");
            assertThat(peer.await(d -> NotebookDoc.cell(d, "show").map(c -> c.outputs().size() == 2).orElse(false), WAIT))
                    .isTrue();
            addCode(peer, 1, "update", "from IPython.display import update_display\n"
                    + "update_display({'text/plain': 'b'}, raw=True, display_id='d1')");
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"update\"}");
            peer.awaitBroadcast("{\"event\":\"display_update\",\"display_id\":\"d1\"", WAIT);
            await().atMost(WAIT).untilAsserted(() -> assertThat(outputs(peer, "show"))
                    .extracting(o -> o.path("data").path("text/plain").asText()).containsExactly("b", "b"));
        }
    }

    private KernelPool kernelPool() {
        KernelPool pool = daemon.kernels().pool().orElseThrow();
        await().atMost(WAIT).until(() -> pool.ready() == 1);
        return pool;
    }

    @Test
    void aLaunchTakesARunningKernelWithItsImportsAndThePoolRefillsWithAFreshOne() throws Exception {
        KernelPool pool = kernelPool();
        long pooled = pool.readyPids().get(0);
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, notebook(), "a")) {
            assertThat(launch(peer, 0)).startsWith("{\"result\":\"kernel_launched\"");
            addCode(peer, 0, "who", "import os, sys; (os.getpid(), 'wave' in sys.modules)");
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"who\"}");
            assertThat(peer.await(d -> NotebookDoc.cell(d, "who").map(c -> c.outputs().size() == 1).orElse(false), WAIT))
                    .isTrue();
            assertThat(outputs(peer, "who").get(0).path("data").path("text/plain").asText())
                    .isEqualTo("(" + pooled + ", True)");
            assertThat(peer.<String>read(d -> NotebookDoc.cell(d, "who").orElseThrow().executionCount()))
                    .as("the pool's warm-up displayed a value but left the count alone").isEqualTo("1");
            await().atMost(WAIT).until(() -> pool.ready() == 1);
            assertThat(pool.readyPids().get(0)).as("a fresh kernel, not the one handed out").isNotEqualTo(pooled);
            peer.request("{\"action\":\"shutdown_kernel\"}");
            peer.awaitResponses(3, WAIT);
        }
    }

    @Test
    void aPooledKernelThatDiesIsReplacedAndTwoNotebooksNeverShareOne() throws Exception {
        KernelPool pool = kernelPool();
        long first = pool.readyPids().get(0);
        ProcessHandle.of(first).orElseThrow().destroyForcibly();
        await().atMost(WAIT).until(() -> pool.ready() == 1 && pool.readyPids().get(0) != first);
        List<String> pids = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            await().atMost(WAIT).until(() -> pool.ready() == 1);
            try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, notebook(), "a")) {
                assertThat(launch(peer, 0)).startsWith("{\"result\":\"kernel_launched\"");
                addCode(peer, 0, "pid", "import os; os.getpid()");
                peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"pid\"}");
                assertThat(peer.await(d -> NotebookDoc.cell(d, "pid").map(c -> c.outputs().size() == 1).orElse(false),
                        WAIT)).isTrue();
                pids.add(outputs(peer, "pid").get(0).path("data").path("text/plain").asText());
                peer.request("{\"action\":\"shutdown_kernel\"}");
                peer.awaitResponses(3, WAIT);
            }
        }
        assertThat(pids).doesNotHaveDuplicates().doesNotContain(Long.toString(first));
    }

    @Test
    void aSlowRequestNeverStallsTheRoomsSyncAndAnswersStayInOrder() throws Exception {
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, notebook(), "a")) {
            assertThat(launch(peer, 0)).startsWith("{\"result\":\"kernel_launched\"");
            addCode(peer, 0, "sleep", "import time; time.sleep(3)");
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"sleep\"}");
            peer.awaitBroadcast("{\"event\":\"execution_started\",\"cell_id\":\"sleep\"", WAIT);
            // the kernel's shell is busy: complete waits for it on this peer's request thread
            peer.request("{\"action\":\"complete\",\"code\":\"impo\",\"cursor_pos\":4}");
            peer.request("{\"action\":\"get_queue_state\"}");
            addCode(peer, 1, "meanwhile", "1");
            assertThat(peer.awaitResponses(3, Duration.ZERO)).as("complete still waits for the kernel").hasSize(2);
            List<String> answers = peer.awaitResponses(4, WAIT);
            assertThat(answers.get(2)).startsWith("{\"result\":\"completion_result\",\"items\":[");
            assertThat(answers.get(3)).startsWith("{\"result\":\"queue_state\"");
        }
    }
}
