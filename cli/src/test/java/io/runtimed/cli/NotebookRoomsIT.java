package io.runtimed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.NotebookClient;
import io.runtimed.paths.NotebookDocFiles;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Handshake;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.RoomInfo;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.sync.notebook.NotebookDoc;
import io.runtimed.sync.notebook.NotebookSnapshot;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RuntHome;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.automerge.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** TESTS.md "Notebook sync integration" and issue 6's tests, against real daemon processes. */
class NotebookRoomsIT {
    static final Duration WAIT = Duration.ofSeconds(10);

    static NotebookSnapshot onDisk(Path docsDir, String id) throws Exception {
        Document doc = NativeHandles.load(Files.readAllBytes(NotebookDocFiles.fileFor(docsDir, id)));
        try {
            return NotebookDoc.snapshot(doc);
        } finally {
            NativeHandles.free(doc);
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OneDaemon {
        RuntHome home;
        DaemonProcess daemon;

        @BeforeAll
        void start() {
            home = RuntHome.temporary("notebook-rooms-");
            daemon = DaemonProcess.start(home);
        }

        @AfterAll
        void stop() {
            daemon.close();
            home.close();
        }

        NotebookClient join(String id) throws DaemonClientException {
            return NotebookClient.join(daemon.socket(), id);
        }

        @Test
        void aSecondWindowSeesTheFirstOnesCellAndAnotherNotebookSeesNothing() throws Exception {
            try (NotebookClient one = join("first")) {
                assertThat(one.getCells()).isEmpty();
                assertThat(one.getMetadata("runtime")).contains("python");
                one.addCell(0, "c1", "code");
                one.updateSource("c1", "x = 42");
                assertThat(one.awaitSynced(WAIT)).isTrue();
                try (NotebookClient two = join("first"); NotebookClient other = join("elsewhere")) {
                    assertThat(two.getCell("c1")).contains(new NotebookCell("c1", "code", "x = 42", "null", List.of()));
                    assertThat(other.getCells()).isEmpty();
                }
            }
        }

        @Test
        void twoWindowsSeeEachOthersCellsEditsAndDeletes() throws Exception {
            try (NotebookClient a = join("two-windows"); NotebookClient b = join("two-windows")) {
                a.addCell(0, "a1", "code");
                a.updateSource("a1", "print(1)");
                a.setExecutionCount("a1", "1");
                b.waitFor(s -> s.cell("a1").filter(c -> c.executionCount().equals("1") && c.source().equals("print(1)"))
                        .isPresent(), WAIT).orElseThrow();
                b.addCell(1, "b1", "markdown");
                b.addCell(2, "b2", "code");
                a.waitFor(s -> s.cells().size() == 3, WAIT).orElseThrow();
                a.deleteCell("b1");
                assertThat(b.waitFor(s -> s.cells().size() == 2, WAIT).orElseThrow().cells())
                        .extracting(NotebookCell::id).containsExactly("a1", "b2");
            }
        }

        @Test
        void concurrentNonAsciiEditsOfOneSourceConvergeInBothPeersAndOnDisk() throws Exception {
            String id = "concurrent/édition 🌍";
            try (NotebookClient a = NotebookClient.join(daemon.socket(), id, Duration.ofSeconds(2), Duration.ZERO);
                 NotebookClient b = NotebookClient.join(daemon.socket(), id, Duration.ofSeconds(2), Duration.ZERO)) {
                a.addCell(0, "c", "code");
                a.updateSource("c", "中文|emoji");
                b.waitFor(s -> s.cell("c").filter(c -> c.source().equals("中文|emoji")).isPresent(), WAIT).orElseThrow();
                String[] fromA = {"🌍", "e\u0301", "世", "👩‍💻"};
                String[] fromB = {"界", "ñ", "🎉", "a\u0308"};
                CountDownLatch go = new CountDownLatch(1);
                ExecutorService pool = Executors.newFixedThreadPool(2);
                Future<?> fa = pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 40; i++) {
                        a.spliceSource("c", 0, 0, fromA[i % fromA.length]);   // prepends
                    }
                    return null;
                });
                Future<?> fb = pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 40; i++) {
                        // appends at the end as it is in B's replica at that moment: a diff against
                        // a source read earlier would race with A's prepends arriving in between
                        b.appendSource("c", fromB[i % fromB.length]);
                    }
                    return null;
                });
                go.countDown();
                fa.get();
                fb.get();
                pool.shutdown();
                StringBuilder prepended = new StringBuilder();
                for (int i = 0; i < 40; i++) {
                    prepended.insert(0, fromA[i % fromA.length]);
                }
                String appended = String.join("", fromB).repeat(10);
                String expected = prepended + "中文|emoji" + appended;
                await().atMost(WAIT).until(() -> a.getCell("c").get().source().equals(expected)
                        && b.getCell("c").get().source().equals(expected));
                String merged = a.getCell("c").get().source();
                assertThat(merged).as("every keystroke of both peers, none lost, doubled or torn")
                        .isEqualTo(prepended + "中文|emoji" + appended);
                assertThat(merged.substring(0, merged.indexOf("中文"))).doesNotContain("界", "ñ", "🎉");
                // acknowledged ⇒ on disk
                assertThat(daemon.stop()).isZero();
                assertThat(onDisk(daemon.notebookDocsDir(), id).cell("c").get().source()).isEqualTo(merged);
                daemon = daemon.startAgain();
            }
        }

        @Test
        void fiftyPeersEachAddACellAndAllConvergeToFiftyCells() throws Exception {
            List<NotebookClient> peers = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<NotebookClient>> joined = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    joined.add(pool.submit(() -> NotebookClient.join(daemon.socket(), "fifty", Duration.ofSeconds(2),
                            Duration.ZERO)));
                }
                for (Future<NotebookClient> f : joined) {
                    peers.add(f.get());
                }
                List<Future<?>> adds = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    NotebookClient p = peers.get(i);
                    String id = "cell-" + i;
                    adds.add(pool.submit(() -> {
                        p.addCell(0, id, "code");
                        return null;
                    }));
                }
                for (Future<?> f : adds) {
                    f.get();
                }
                for (NotebookClient p : peers) {
                    assertThat(p.waitFor(s -> s.cells().size() == 50, WAIT)).as("peer sees 50 cells").isPresent();
                }
                List<NotebookCell> first = peers.get(0).getCells();
                for (NotebookClient p : peers) {
                    assertThat(p.getCells()).isEqualTo(first);
                }
                assertThat(daemon.client().listRooms()).contains(RoomInfo.withoutKernel("fifty", 50));
            } finally {
                peers.forEach(NotebookClient::close);
                pool.shutdownNow();
            }
        }

        @Test
        void aPeerSendingGarbageIsDroppedWhileTheOthersKeepSyncing() throws Exception {
            try (NotebookClient a = join("garbage"); NotebookClient b = join("garbage")) {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(daemon.socket()));
                try (FrameChannel bad = new FrameChannel(ch)) {
                    bad.writeFrame(Json.compact(new Handshake.NotebookSync("garbage")));
                    assertThat(bad.readFrame(1 << 20, WAIT)).as("the daemon speaks first").isNotNull();
                    bad.writeFrame(new byte[] {0x42, 0x13, 0x37, 0x00, (byte) 0xff});
                    byte[] next;
                    do {
                        next = bad.readFrame(1 << 20, WAIT);
                    } while (next != null);
                }
                a.addCell(0, "still", "code");
                assertThat(b.waitFor(s -> s.cell("still").isPresent(), WAIT)).isPresent();
                await().atMost(WAIT).until(() -> daemon.client().listRooms().contains(RoomInfo.withoutKernel("garbage", 2)));
            }
        }

        @Test
        void notebookIdsWithSlashesSpacesAndUnicodeHaveTheirOwnRoomsAndFiles() throws Exception {
            List<String> ids = List.of("/home/me/my notebook.ipynb", "笔记 📓/ü", "C:\\Users\\x\\a b.ipynb", "");
            for (String id : ids) {
                try (NotebookClient c = join(id)) {
                    c.addCell(0, "only", "code");
                    c.updateSource("only", id);
                    assertThat(c.awaitSynced(WAIT)).isTrue();
                }
            }
            for (String id : ids) {
                await().atMost(WAIT).until(() -> daemon.client().listRooms().stream().noneMatch(r -> r.notebookId().equals(id)));
                assertThat(onDisk(daemon.notebookDocsDir(), id).cell("only").get().source()).isEqualTo(id);
                try (NotebookClient c = join(id)) {
                    assertThat(c.getCells()).extracting(NotebookCell::source).containsExactly(id);
                    assertThat(c.snapshot().notebookId()).isEqualTo(id);
                }
            }
        }

        @Test
        void theRoomLeavesMemoryWhenItsLastPeerLeavesAndAComebackSeesEverything() throws Exception {
            NotebookClient a = join("evict");
            NotebookClient b = join("evict");
            a.addCell(0, "x", "code");
            b.addCell(1, "y", "markdown");
            assertThat(a.awaitSynced(WAIT)).isTrue();
            assertThat(b.awaitSynced(WAIT)).isTrue();
            assertThat(daemon.client().listRooms()).contains(RoomInfo.withoutKernel("evict", 2));
            a.close();
            await().atMost(WAIT).until(() -> daemon.client().listRooms().contains(RoomInfo.withoutKernel("evict", 1)));
            b.close();
            await().atMost(WAIT).until(() -> daemon.client().listRooms().stream().noneMatch(r -> r.notebookId().equals("evict")));
            try (NotebookClient c = join("evict")) {
                assertThat(c.getCells()).extracting(NotebookCell::id).containsExactlyInAnyOrder("x", "y");
            }
        }

        @Test
        void joiningWhileTheLastPeerLeavesNeverLosesOrSplitsTheRoom() throws Exception {
            String id = "churn";
            for (int round = 0; round < 10; round++) {
                NotebookClient leaving = join(id);
                leaving.addCell(0, "r" + round, "code");
                assertThat(leaving.awaitSynced(WAIT)).isTrue();
                NotebookClient[] arriving = new NotebookClient[2];
                Thread t1 = new Thread(leaving::close);
                t1.start();
                arriving[0] = join(id);
                arriving[1] = join(id);
                t1.join();
                int expected = round + 1;
                for (NotebookClient c : arriving) {
                    assertThat(c.waitFor(s -> s.cells().size() == expected, WAIT)).as("round %d", round).isPresent();
                }
                String probe = "probe" + round;
                arriving[0].addCell(0, probe, "code");
                assertThat(arriving[1].waitFor(s -> s.cell(probe).isPresent(), WAIT))
                        .as("both arrivals share one room").isPresent();
                arriving[1].deleteCell(probe);
                assertThat(arriving[1].awaitSynced(WAIT)).isTrue();
                arriving[0].close();
                arriving[1].close();
            }
        }

        @Test
        void theCorruptFileIsRenamedAsideAndAFreshNotebookServed() throws Exception {
            Path file = NotebookDocFiles.fileFor(daemon.notebookDocsDir(), "broken");
            Files.createDirectories(file.getParent());
            byte[] garbage = "definitely not automerge".getBytes();
            Files.write(file, garbage);
            try (NotebookClient c = join("broken")) {
                assertThat(c.getCells()).isEmpty();
                assertThat(c.snapshot().notebookId()).isEqualTo("broken");
            }
            assertThat(Files.readAllBytes(file.resolveSibling(file.getFileName() + ".corrupt"))).isEqualTo(garbage);
        }
    }

    @Nested
    class Restarts {
        @TempDir
        Path dir;
        RuntHome home;

        @BeforeEach
        void createHome() {
            home = RuntHome.in(dir);
        }

        @AfterEach
        void closeHome() {
            home.close();
        }

        @Test
        void aRestartKeepsTheContent() throws Exception {
            try (DaemonProcess daemon = DaemonProcess.start(home)) {
                try (NotebookClient c = NotebookClient.join(daemon.socket(), "keep")) {
                    c.addCell(0, "k", "code");
                    c.updateSource("k", "kept 🌍");
                    c.setOutputs("k", List.of("{\"output_type\":\"stream\"}"));
                    assertThat(c.awaitSynced(WAIT)).isTrue();
                }
                assertThat(daemon.stop()).isZero();
                try (DaemonProcess again = daemon.startAgain();
                     NotebookClient c = NotebookClient.join(again.socket(), "keep")) {
                    assertThat(c.getCell("k")).contains(new NotebookCell("k", "code", "kept 🌍", "null",
                            List.of("{\"output_type\":\"stream\"}")));
                }
            }
        }

        @Test
        void killDashNineDuringABurstOfEditsLosesNothingAcknowledged() throws Exception {
            try (DaemonProcess daemon = DaemonProcess.start(home)) {
                Set<String> acknowledged = ConcurrentHashMap.newKeySet();
                AtomicBoolean stop = new AtomicBoolean();
                CountDownLatch enough = new CountDownLatch(3 * 40);
                List<Thread> writers = new ArrayList<>();
                for (int w = 0; w < 3; w++) {
                    int writer = w;
                    Thread t = new Thread(() -> {
                        try (NotebookClient c = NotebookClient.join(daemon.socket(), "burst", Duration.ofSeconds(2),
                                Duration.ZERO)) {
                            for (int i = 0; !stop.get(); i++) {
                                String id = "w" + writer + "-" + i;
                                c.addCell(0, id, "code");
                                c.updateSource(id, "édit " + i + " 🌍");
                                if (c.awaitSynced(WAIT)) {
                                    acknowledged.add(id);
                                    enough.countDown();
                                }
                            }
                        } catch (DaemonClientException expected) {
                            // the daemon died under us
                        }
                    });
                    t.start();
                    writers.add(t);
                }
                enough.await();
                daemon.kill9();
                stop.set(true);
                for (Thread t : writers) {
                    t.join(10_000);
                }
                Set<String> snapshotOfAcked = Set.copyOf(acknowledged);
                try (DaemonProcess again = daemon.startAgain();
                     NotebookClient c = NotebookClient.join(again.socket(), "burst")) {
                    List<NotebookCell> cells = c.getCells();
                    assertThat(cells).extracting(NotebookCell::id).containsAll(snapshotOfAcked);
                    for (NotebookCell cell : cells) {
                        if (snapshotOfAcked.contains(cell.id())) {
                            assertThat(cell.source()).startsWith("édit ");
                        }
                    }
                }
            }
        }
    }
}
