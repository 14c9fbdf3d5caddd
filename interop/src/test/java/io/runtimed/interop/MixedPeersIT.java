package io.runtimed.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.client.NotebookClient;
import io.runtimed.protocol.Json;
import io.runtimed.sync.notebook.NotebookDoc;
import io.runtimed.testkit.Cells;
import io.runtimed.testkit.Cli;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.Deadline;
import io.runtimed.testkit.JsPeer;
import io.runtimed.testkit.RuntHome;
import io.runtimed.testkit.SystemPackages;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JS windows (npm Automerge) and Java windows ({@link NotebookClient}) in one room, editing at the
 * same time: every replica, the daemon's included, ends with the same notebook.
 */
class MixedPeersIT {
    private static final Duration JOIN = Duration.ofSeconds(10);
    private static final Duration CONVERGE = Duration.ofSeconds(30);

    @TempDir
    static Path tmp;
    static RuntHome home;
    static DaemonProcess daemon;
    final List<AutoCloseable> peers = new ArrayList<>();
    final ExecutorService javaWindows = Executors.newCachedThreadPool();

    /** One daemon for the class; each test has its own room. */
    @BeforeAll
    static void startDaemon() {
        SystemPackages.requireNodeAndNpm();
        home = RuntHome.in(tmp);
        daemon = DaemonProcess.start(home);
    }

    @AfterAll
    static void stopDaemon() {
        if (daemon != null) {
            daemon.close();
        }
        if (home != null) {
            home.close();
        }
    }

    @AfterEach
    void leave() throws Exception {
        javaWindows.shutdownNow();
        for (AutoCloseable p : peers) {
            p.close();
        }
    }

    @Test
    void fiveJsAndThreeJavaPeersAddingCellsAtOnceConvergeToTheSameCells() throws Exception {
        String room = "many-peers";
        List<JsPeer> js = new ArrayList<>();
        for (int k = 0; k < 5; k++) {
            js.add(track(JsPeer.start("js-" + k, tmp)).joinNotebook(daemon.socket(), room, JOIN));
        }
        List<NotebookClient> java = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            java.add(track(NotebookClient.join(daemon.socket(), room)));
        }

        List<String> expected = new ArrayList<>();
        List<CompletableFuture<?>> sent = new ArrayList<>();
        List<Future<?>> javaEdits = new ArrayList<>();
        for (int k = 0; k < js.size(); k++) {
            for (int change = 0; change < 4; change++) {
                List<Cells.Cell> cells = Cells.range("js" + k + "-" + change, 0, 5, 200);
                expected.addAll(Cells.ids(cells));
                sent.add(js.get(k).addCells(cells));
            }
        }
        for (int k = 0; k < java.size(); k++) {
            NotebookClient client = java.get(k);
            List<Cells.Cell> cells = Cells.range("java" + k, 0, 20, 200);
            expected.addAll(Cells.ids(cells));
            javaEdits.add(javaWindows.submit(() -> {
                for (Cells.Cell cell : cells) {
                    client.addCell(Integer.MAX_VALUE, cell.id(), "code");
                    client.updateSource(cell.id(), cell.source());
                    client.setExecutionCount(cell.id(), "7");
                }
                return null;
            }));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
        for (Future<?> f : javaEdits) {
            f.get();
        }

        JsonNode notebook = awaitEveryReplicaAgrees(room, js, java, expected.size());
        assertThat(Cells.idsIn(notebook)).as("cell ids in room %s", room)
                .containsExactlyInAnyOrderElementsOf(expected);
        for (JsPeer p : js) {
            assertThat(p.acked()).as("ids %s pushed that the daemon acknowledged", p.name())
                    .allMatch(id -> id.startsWith("js" + p.name().substring(3) + "-"))
                    .hasSize(20);
        }
    }

    @Test
    void concurrentNonAsciiEditsOfOneSourceFromJsAndJavaEndIdentical() throws Exception {
        String room = "unicode";
        // astral emoji, a ZWJ sequence, a flag, CJK, Hangul, a combining accent, a Devanagari
        // conjunct, right-to-left Arabic, a mathematical letter outside the BMP
        List<String> tokens = List.of("é", "e\u0301", "🌍", "世界", "👩‍💻", "🇫🇷", "한국어", "क्ष", "العربية", "𝔘", "z");
        String start = "start ✓";
        JsPeer a = track(JsPeer.start("js-a", tmp)).joinNotebook(daemon.socket(), room, JOIN);
        JsPeer b = track(JsPeer.start("js-b", tmp)).joinNotebook(daemon.socket(), room, JOIN);
        a.addCells(List.of(new Cells.Cell("text", start))).join();
        JsPeer.awaitConverged(room, JOIN, List.of(a, b));
        NotebookClient c = track(NotebookClient.join(daemon.socket(), room));
        NotebookClient d = track(NotebookClient.join(daemon.socket(), room));

        int editsEach = 60;
        StringBuilder inserted = new StringBuilder(start);
        List<CompletableFuture<?>> sent = new ArrayList<>();
        List<Future<?>> javaEdits = new ArrayList<>();
        int seed = 12;
        for (JsPeer p : List.of(a, b)) {
            Random random = new Random(seed++);
            for (int i = 0; i < editsEach; i++) {
                String token = tokens.get(random.nextInt(tokens.size()));
                inserted.append(token);
                // the driver clamps to the end; the text grows by about two code points per edit
                sent.add(p.splice("text", random.nextInt(8 + 2 * i), 0, token, p.name() + i));
            }
        }
        for (NotebookClient client : List.of(c, d)) {
            Random random = new Random(seed++);
            List<String> chosen = new ArrayList<>();
            for (int i = 0; i < editsEach; i++) {
                chosen.add(tokens.get(random.nextInt(tokens.size())));
            }
            chosen.forEach(inserted::append);
            javaEdits.add(javaWindows.submit(() -> {
                for (String token : chosen) {
                    String now = client.getCell("text").orElseThrow().source();
                    client.spliceSource("text", random.nextInt(now.codePointCount(0, now.length()) + 1), 0, token);
                }
                return null;
            }));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
        for (Future<?> f : javaEdits) {
            f.get();
        }

        JsonNode notebook = awaitEveryReplicaAgrees(room, List.of(a, b), List.of(c, d), 1);
        String text = Cells.sourceIn(notebook, "text");
        assertThat(text.codePoints().filter(cp -> (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFD))
                .as("lone surrogates or replacement characters in %s", text).isEmpty();
        assertThat(sortedCodePoints(text)).as("the code points of the merged text, against all that was inserted")
                .isEqualTo(sortedCodePoints(inserted.toString()));
        try (JsPeer late = JsPeer.start("js-late", tmp)) {
            late.joinNotebook(daemon.socket(), room, JOIN);
            assertThat(Cells.sourceIn(late.notebook(), "text")).as("the text a JS window joining now reads").isEqualTo(text);
        }
    }

    /**
     * Waits until the JS peers have settled on the same heads and their notebook (with
     * {@code cellCount} cells) equals every Java replica's; then the daemon's copy must equal it
     * too. Returns that notebook.
     */
    private JsonNode awaitEveryReplicaAgrees(String room, List<JsPeer> js, List<NotebookClient> java, int cellCount) {
        JsonNode[] agreed = new JsonNode[1];
        Deadline.await("room " + room + ": the replicas did not agree", CONVERGE, () -> {
            if (!(js.stream().allMatch(JsPeer::isSettled)
                    && js.stream().map(JsPeer::settledHeads).distinct().count() == 1)) {
                return false;
            }
            JsonNode notebook = js.get(0).notebook();
            if (notebook.get("cells").size() != cellCount
                    || !java.stream().allMatch(c -> cells(javaJson(c)).equals(cells(notebook)))) {
                return false;
            }
            agreed[0] = notebook;
            return true;
        }, () -> js.stream().map(JsPeer::describe).collect(Collectors.joining("\n"))
                + java.stream().map(c -> "\n  Java peer: " + c.getCells().size() + " cells")
                .collect(Collectors.joining()));
        assertThat(cells(daemonCopy(room))).as("the daemon's copy of room %s", room).isEqualTo(cells(agreed[0]));
        return agreed[0];
    }

    private static JsonNode javaJson(NotebookClient client) {
        return NotebookDoc.toJson(client.snapshot());
    }

    private static JsonNode cells(JsonNode notebook) {
        return notebook.get("cells");
    }

    /** {@code runt notebook show ID --json}: the room as the running daemon holds it. */
    private static JsonNode daemonCopy(String room) {
        Cli.Result show = Cli.runt(home, "notebook", "show", room, "--json");
        assertThat(show.exitCode()).as("%s", show).isZero();
        try {
            return Json.MAPPER.readTree(show.stdout());
        } catch (IOException e) {
            throw new AssertionError("runt notebook show --json printed no JSON: " + show, e);
        }
    }

    private static List<Integer> sortedCodePoints(String s) {
        return s.codePoints().sorted().boxed().toList();
    }

    private <T extends AutoCloseable> T track(T peer) {
        peers.add(peer);
        return peer;
    }
}
