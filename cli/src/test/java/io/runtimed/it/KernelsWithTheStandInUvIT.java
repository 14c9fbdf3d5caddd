package io.runtimed.it;

import static io.runtimed.it.KernelFixture.BUILD;
import static io.runtimed.it.KernelFixture.KEEP_ALIVE;
import static io.runtimed.it.KernelFixture.WAIT;
import static io.runtimed.it.KernelFixture.plain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.client.NotebookClient;
import io.runtimed.it.KernelFixture.Window;
import io.runtimed.protocol.CommSnapshot;
import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.protocol.NotebookResponse;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.testkit.Cli;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RuntHome;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * KERNELS.md end to end, through {@link NotebookClient}s (the windows) against a real daemon
 * process with a real ipykernel. One daemon and one kernel serve the whole class: the room
 * {@link #SHARED} keeps an anchor window open so its kernel lives from the first test to the last;
 * tests that kill or evict a kernel use rooms of their own.

 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelsWithTheStandInUvIT {
    static final String SHARED = "kernels-it-shared";

    RuntHome home;
    DaemonProcess daemon;
    Window anchor;

    @BeforeAll
    void startDaemonAndTheSharedKernel() throws Exception {
        home = RuntHome.temporary("kernels-it");
        daemon = KernelFixture.daemon(home, 2).start();
        KernelFixture.awaitPool(daemon);
        anchor = Window.join(daemon, SHARED);
        assertThat(KernelFixture.launch(anchor)).isInstanceOf(NotebookResponse.KernelLaunched.class);
    }

    @AfterAll
    void stop() {
        if (anchor != null) {
            anchor.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        home.close();
    }

    @Nested
    class Outputs {
        @Test
        void twoWindowsBothSeeStreamDisplayResultAndErrorOutputsAndTheExecutionCount() throws Exception {
            try (Window other = Window.join(daemon, SHARED)) {
                String cell = anchor.run("print('hi')\nfrom IPython.display import display\n"
                        + "display({'text/plain': 'shown'}, raw=True)\n1+1");
                String failing = anchor.run("1/0");

                for (Window w : List.of(anchor, other)) {
                    await("all three outputs in the document of every window").atMost(WAIT)
                            .until(() -> w.client.outputs(cell).size() == 3);
                    List<ObjectNode> out = w.outputs(cell);
                    assertThat(out.get(0).path("output_type").asText()).isEqualTo("stream");
                    assertThat(out.get(0).path("name").asText()).isEqualTo("stdout");
                    assertThat(out.get(0).path("text").asText().strip()).isEqualTo("hi");
                    assertThat(out.get(1).path("output_type").asText()).isEqualTo("display_data");
                    assertThat(plain(out.get(1))).isEqualTo("shown");
                    assertThat(out.get(2).path("output_type").asText()).isEqualTo("execute_result");
                    assertThat(plain(out.get(2))).isEqualTo("2");

                    // §6.4 (ours): the daemon writes the count into the document as a decimal string
                    long count = out.get(2).path("execution_count").asLong();
                    await().atMost(WAIT).until(() -> w.client.getCell(cell).map(NotebookCell::executionCount)
                            .filter(c -> c.equals(Long.toString(count))).isPresent());

                    await().atMost(WAIT).until(() -> w.client.outputs(failing).size() == 1);
                    ObjectNode error = w.outputs(failing).get(0);
                    assertThat(error.path("output_type").asText()).isEqualTo("error");
                    assertThat(error.path("ename").asText()).isEqualTo("ZeroDivisionError");
                    assertThat(error.path("traceback").size()).isPositive();

                    await("broadcasts in every window").atMost(WAIT).until(() ->
                            w.heard.contains(new NotebookBroadcast.ExecutionDone(cell))
                                    && w.heard.contains(new NotebookBroadcast.ExecutionStarted(cell, count))
                                    && w.outputBroadcasts(cell).stream().map(NotebookBroadcast.Output::outputType)
                                    .collect(Collectors.toSet()).containsAll(Set.of("stream", "display_data", "execute_result")));
                }
            }
        }

        @Test
        void aCarriageReturnProgressBarEndsAsOneLine() throws Exception {
            String cell = anchor.run("import sys\nfor i in range(0, 101, 25):\n"
                    + "    sys.stdout.write(f'\\r{i}%')\n    sys.stdout.flush()\nprint()");
            await().atMost(WAIT).until(() -> anchor.client.outputs(cell).size() == 1);
            ObjectNode out = anchor.outputs(cell).get(0);
            assertThat(out.path("output_type").asText()).isEqualTo("stream");
            assertThat(out.path("text").asText().strip()).isEqualTo("100%");
        }

        @Test
        void clearOutputWithWaitInALoopLeavesOneOutput() throws Exception {
            String cell = anchor.run("from IPython.display import clear_output\nfor i in range(5):\n"
                    + "    clear_output(wait=True)\n    print(i)");
            await("one output left").atMost(WAIT).until(() -> anchor.client.outputs(cell).size() == 1
                    && anchor.outputs(cell).get(0).path("text").asText().strip().equals("4"));
        }

        @Test
        void updateDisplayUpdatesEveryOutputWithThatDisplayId() throws Exception {
            String id = "d-" + UUID.randomUUID();
            String cell = anchor.run("from IPython.display import display\n"
                    + "display({'text/plain': 'a'}, raw=True, display_id='" + id + "')\n"
                    + "display({'text/plain': 'a'}, raw=True, display_id='" + id + "');");
            await().atMost(WAIT).until(() -> anchor.client.outputs(cell).size() == 2);
            anchor.run("from IPython.display import update_display\n"
                    + "update_display({'text/plain': 'b'}, raw=True, display_id='" + id + "')");
            try (Window other = Window.join(daemon, SHARED)) {
                for (Window w : List.of(anchor, other)) {
                    await("every display " + id + " updated").atMost(WAIT).until(() ->
                            w.outputs(cell).stream().map(KernelFixture::plain).toList().equals(List.of("b", "b")));
                }
            }
            assertThat(anchor.heard).anyMatch(b -> b instanceof NotebookBroadcast.DisplayUpdate u && u.displayId().equals(id));
        }
    }

    @Nested
    class Control {
        @Test
        void interruptStopsALongSleep() throws Exception {
            // Interrupt only once the cell's own code runs: ipykernel swallows a SIGINT that lands
            // between execute_input and the user's code, with no error output.
            String cell = anchor.addCode("import time\nprint('sleeping', flush=True)\ntime.sleep(600)");
            anchor.execute(cell);
            await("the cell's code runs").atMost(WAIT).until(() -> anchor.outputs(cell).stream()
                    .anyMatch(o -> o.path("text").asText().contains("sleeping")));
            assertThat(anchor.client.kernel().interrupt()).isEqualTo(new NotebookResponse.InterruptSent());
            anchor.awaitDone(cell, WAIT);
            await().atMost(WAIT).until(() -> anchor.outputs(cell).stream()
                    .anyMatch(o -> o.path("ename").asText().equals("KeyboardInterrupt")));
            assertThat(anchor.client.kernel().queueState().executing()).isNotEqualTo(cell);
        }

        @Test
        void aBadRequestIsAnsweredWithAnErrorAndTheConnectionStays() throws Exception {
            assertThat(anchor.client.kernel().sendComm(Json.MAPPER.createObjectNode()))
                    .isInstanceOf(NotebookResponse.Error.class);
            assertThat(anchor.client.kernel().executeCell("no-such-cell"))
                    .isEqualTo(new NotebookResponse.Error("Cell not found in document: no-such-cell"));
            assertThat(anchor.client.isConnected()).isTrue();
            assertThat(anchor.client.kernel().kernelInfo().status()).isNotEqualTo(NotebookResponse.KernelInfo.NOT_STARTED);
        }

        @Test
        void aKernelThatExitsIsReportedDeadAndTheQueueEmpties() throws Exception {
            KernelFixture.awaitPool(daemon);
            try (Window w = Window.join(daemon, "dying-" + UUID.randomUUID())) {
                KernelFixture.launch(w);
                String exits = w.addCode("import time, os\ntime.sleep(1)\nos._exit(1)");
                String waits = w.addCode("1+1");
                w.execute(exits);
                w.execute(waits);
                await("kernel_status shutdown").atMost(WAIT).until(() -> w.heard.stream()
                        .anyMatch(b -> b instanceof NotebookBroadcast.KernelStatus k && k.status().equals("shutdown")));
                w.awaitDone(exits, WAIT);
                await("an empty queue").atMost(WAIT).until(() -> w.heard.contains(new NotebookBroadcast.QueueChanged(null, List.of())));
                assertThat(w.client.kernel().kernelInfo()).isEqualTo(NotebookResponse.KernelInfo.notStarted());
                assertThat(w.client.kernel().queueState()).isEqualTo(new NotebookResponse.QueueState(null, List.of()));
                assertThat(w.client.kernel().executeCell(waits)).isEqualTo(new NotebookResponse.NoKernel());
            }
        }
    }

    @Nested
    class Rooms {
        @Test
        void anIntSlidersStateReachesALateJoinerThroughCommSync() throws Exception {
            anchor.run("import ipywidgets as widgets\nslider = widgets.IntSlider(value=7)\nslider.value = 42\nslider");
            try (Window late = Window.join(daemon, SHARED)) {
                await("comm_sync with the slider").atMost(WAIT).until(() -> late.heard.stream()
                        .filter(NotebookBroadcast.CommSync.class::isInstance).map(NotebookBroadcast.CommSync.class::cast)
                        .flatMap(s -> s.comms().stream())
                        .anyMatch(KernelsWithTheStandInUvIT::isSliderAt42));
            }
        }

        @Test
        void aV1PeerInTheSameRoomStillSyncs() throws Exception {
            try (NotebookClient v1 = NotebookClient.join(daemon.socket(), SHARED, NotebookClient.DEFAULT_CONNECT_TIMEOUT,
                    NotebookClient.ACK_WAIT, NotebookClient.Protocol.V1)) {
                assertThat(v1.protocol()).isEqualTo(NotebookClient.Protocol.V1);
                String cell = anchor.run("print('seen by v1')");
                await().atMost(WAIT).until(() -> v1.getCell(cell).map(c -> !c.outputs().isEmpty()).orElse(false));
                assertThat(v1.resolvedOutputs(cell).get(0).path("text").asText().strip()).isEqualTo("seen by v1");
                v1.addCell(v1.getCells().size(), "from-v1", "markdown");
                await().atMost(WAIT).until(() -> anchor.client.getCell("from-v1").isPresent());
            }
        }

        @Test
        void variablesSurviveALeaveWithinTheKeepAliveAndTheKernelGoesAfterIt() throws Exception {
            String room = "keep-" + UUID.randomUUID();
            KernelFixture.awaitPool(daemon);
            Set<Long> before = pids();
            try (Window w = Window.join(daemon, room)) {
                KernelFixture.launch(w);
                w.run("x = 41");
            }
            Set<Long> ours = pids();
            ours.removeAll(before);
            assertThat(ours).as("this room's kernel process").hasSize(1);
            try (Window back = Window.join(daemon, room)) {
                String cell = back.run("x + 1");
                await().atMost(WAIT).until(() -> back.outputs(cell).stream().anyMatch(o -> plain(o).equals("42")));
            }
            await("the room's kernel gone after the keep-alive").atMost(KEEP_ALIVE.plus(Duration.ofSeconds(20)))
                    .until(() -> ours.stream().noneMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)));
            try (Window later = Window.join(daemon, room)) {
                assertThat(later.client.kernel().kernelInfo()).isEqualTo(NotebookResponse.KernelInfo.notStarted());
            }
        }

        private Set<Long> pids() {
            return KernelFixture.kernelProcesses(home).stream().map(ProcessHandle::pid).collect(Collectors.toSet());
        }
    }

    @Nested
    class RuntExec {
        @Test
        void printsTheResultOfOnePlusOne() {
            Cli.Result r = Cli.runt(home, "exec", SHARED, "1+1");
            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(r.stdout()).isEqualTo("2\n");
        }

        @Test
        void exitsOneOnAnErrorWithTheTracebackOnStderrWithoutAnsi() {
            Cli.Result r = Cli.runt(home, "exec", SHARED, "1/0");
            assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
            assertThat(r.stderr()).contains("ZeroDivisionError").doesNotContain("\u001b[");
        }

        @Test
        void kernelStatusShowsTheRunningKernel() {
            Cli.Result r = Cli.runt(home, "kernel", "status", SHARED);
            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(r.stdoutLines().get(0)).startsWith("Kernel:    python");
            Cli.Result list = Cli.runt(home, "notebook", "list");
            assertThat(list.stdout()).contains(SHARED).contains("python");
        }

        @Test
        void listRoomsAndInspectReportTheRoomsKernel() throws Exception {
            Cli.Result warm = Cli.runt(home, "exec", SHARED, "1+1");
            assertThat(warm.exitCode()).as("%s", warm).isZero();
            JsonNode rooms = Json.MAPPER.readTree(Cli.runt(home, "notebook", "list", "--json").stdout());
            JsonNode room = null;
            for (JsonNode r : rooms) {
                if (r.get("notebook_id").asText().equals(SHARED)) {
                    room = r;
                }
            }
            assertThat(room).as("%s", rooms).isNotNull();
            assertThat(Json.MAPPER.convertValue(room, java.util.Map.class).keySet()).containsExactly("notebook_id",
                    "active_peers", "has_kernel", "kernel_type", "env_source", "kernel_status");
            assertThat(room.get("has_kernel").asBoolean()).isTrue();
            assertThat(room.get("kernel_type").asText()).isEqualTo("python");

            Cli.Result r = Cli.runt(home, "inspect", SHARED, "--json");
            assertThat(r.exitCode()).as("%s", r).isZero();
            JsonNode state = Json.MAPPER.readTree(r.stdout());
            assertThat(state.get("source").asText()).isEqualTo("live_room");
            JsonNode kernel = state.get("kernel_info");
            assertThat(Json.MAPPER.convertValue(kernel, java.util.Map.class).keySet())
                    .containsExactly("kernel_type", "env_source", "status");
            assertThat(kernel.get("kernel_type").asText()).isEqualTo("python");
            assertThat(kernel.get("env_source").asText()).isEqualTo(room.get("env_source").asText());
        }
    }

    /**
     * The slider's comm, its update merged in (§7.8). Debian's ipywidgets 6 opens comms with the
     * state as the data itself (no {@code data.state}), so the snapshot's model name may be absent
     * there; where it is known it must be the slider's.
     */
    /** KERNELS.md §9.1 and §9.4 (ours): a real kernel's outputs saved to a file and loaded from it again. */
    @Nested
    class NotebookFiles {
        @Test
        void outputsOfARealKernelSavedAndOpenedAgainAreIdentical() throws Exception {
            java.nio.file.Path file = home.root().resolve("saved notebooks").resolve("run.ipynb");
            java.nio.file.Files.createDirectories(file.getParent());
            List<String> cells;
            List<List<ObjectNode>> before = new java.util.ArrayList<>();
            try (Window w = Window.join(daemon, file.toString())) {
                assertThat(KernelFixture.launch(w)).isInstanceOf(NotebookResponse.KernelLaunched.class);
                cells = List.of(
                        w.run("print('héllo 🙂')\nfrom IPython.display import display, HTML\ndisplay(HTML('<b>x</b>'))\n1+1"),
                        w.run("import sys; print('x' * 10000, file=sys.stderr)"),
                        w.run("1/0"));
                for (String c : cells) {
                    before.add(w.outputs(c));
                }
                Cli.Result saved = Cli.runt(home, "notebook", "save", file.toString());
                assertThat(saved.exitCode()).as(saved.toString()).isZero();
                assertThat(saved.stdout()).contains("Saved " + file);
                assertThat(w.client.kernel().shutdownKernel()).isNotNull();
            }
            assertThat(KernelFixture.validatesWithNbformat(file)).isEmpty();

            java.nio.file.Path copy = file.resolveSibling("copy.ipynb");
            java.nio.file.Files.copy(file, copy);
            Cli.Result opened = Cli.runt(home, "notebook", "open", copy.toString());
            assertThat(opened.exitCode()).as(opened.toString()).isZero();
            assertThat(opened.stdout().trim()).isEqualTo(copy.toString());
            try (Window w = Window.join(daemon, copy.toString())) {
                assertThat(w.client.getCells()).extracting(NotebookCell::id).containsExactlyElementsOf(cells);
                assertThat(w.client.getCells()).extracting(NotebookCell::executionCount).containsExactly("1", "2", "3");
                for (int i = 0; i < cells.size(); i++) {
                    List<ObjectNode> again = w.outputs(cells.get(i));
                    before.get(i).forEach(o -> o.remove("transient"));
                    assertThat(again).as("cell " + i).isEqualTo(before.get(i));
                }
            }
            Cli.Result shown = Cli.runt(home, "notebook", "show", copy.toString());
            assertThat(shown.exitCode()).as(shown.toString()).isZero();
            assertThat(shown.stdout()).contains("  | héllo 🙂", "  | <IPython.core.display.HTML object>", "  | 2",
                    "  | ZeroDivisionError: division by zero");
        }

        @Test
        void anOutsideEditOfTheFileShowsUpInAnOpenWindowAndAnEditIsAutosaved() throws Exception {
            java.nio.file.Path file = home.root().resolve("followed.ipynb");
            String cellA = "{\"cell_type\":\"code\",\"execution_count\":null,\"id\":\"a\",\"metadata\":{},\"outputs\":[],\"source\":\"x = %s\"}";
            String nb = "{\"cells\":[%s],\"metadata\":{},\"nbformat\":4,\"nbformat_minor\":5}";
            java.nio.file.Files.writeString(file, String.format(nb, String.format(cellA, "1")));
            try (Window w = Window.join(daemon, file.toString())) {
                assertThat(w.client.getCell("a").map(NotebookCell::source)).contains("x = 1");
                java.nio.file.Files.writeString(file, String.format(nb, String.format(cellA, "2")));
                await("the outside edit in the window").atMost(WAIT)
                        .until(() -> w.client.getCell("a").map(NotebookCell::source).orElse("").equals("x = 2"));
                w.client.updateSource("a", "x = 3");
                await("the window's edit autosaved").atMost(WAIT)
                        .until(() -> java.nio.file.Files.readString(file).contains("\"x = 3\""));
            }
        }

        @Test
        void aSaveOfAnUntitledNotebookAndAnOpenOfABrokenFileAreRefused() throws Exception {
            Cli.Result untitled = Cli.runt(home, "notebook", "save", "untitled-" + UUID.randomUUID());
            assertThat(untitled.exitCode()).isEqualTo(1);
            assertThat(untitled.stderr()).contains("Failed to save notebook: the notebook id is not an absolute path");

            java.nio.file.Path broken = home.root().resolve("broken.ipynb");
            java.nio.file.Files.writeString(broken, "{\"nbformat\": 3, \"worksheets\": []}");
            Cli.Result opened = Cli.runt(home, "notebook", "open", broken.toString());
            assertThat(opened.exitCode()).isEqualTo(1);
            assertThat(opened.stderr()).contains("Failed to open notebook: " + broken + " could not be loaded");
            Cli.Result saved = Cli.runt(home, "notebook", "save", broken.toString());
            assertThat(saved.exitCode()).isEqualTo(1);
            assertThat(java.nio.file.Files.readString(broken)).isEqualTo("{\"nbformat\": 3, \"worksheets\": []}");
        }
    }

    static boolean isSliderAt42(CommSnapshot c) {
        return "jupyter.widget".equals(c.targetName()) && c.state().path("value").asInt() == 42
                && (c.modelName() == null || "IntSliderModel".equals(c.modelName()));
    }
}
