package io.runtimed.rooms.notebook;

import io.runtimed.sync.notebook.NotebookDoc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.RoomInfo;
import io.runtimed.sync.NativeHandles;
import io.runtimed.testkit.RawSyncPeer;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TESTS.md "Rooms (unit)" in-process, where native handles can be counted: raw peers over a real
 * Unix socket whose first frame is the notebook id (a stand-in for the router's handshake).
 */
class RoomRegistryTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    @TempDir
    Path tmp;
    RoomRegistry registry;
    ServerSocketChannel server;
    Path socket;
    NativeHandles.Counts before;

    @BeforeEach
    void start() throws IOException {
        before = NativeHandles.counts();
        registry = new RoomRegistry(tmp.resolve("notebook-docs"));
        socket = tmp.resolve("s.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        AtomicLong ids = new AtomicLong();
        Thread acceptor = new Thread(() -> {
            while (server.isOpen()) {
                try {
                    SocketChannel ch = server.accept();
                    Thread t = new Thread(() -> {
                        try (FrameChannel frames = new FrameChannel(ch)) {
                            String id = new String(frames.readFrame(1 << 16), StandardCharsets.UTF_8);
                            registry.serve(id, "peer-notebook-" + ids.incrementAndGet(), frames);
                        } catch (IOException e) {
                            // a dropped peer
                        }
                    });
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        registry.close();
    }

    RawSyncPeer peer(String id) throws IOException {
        return RawSyncPeer.connect(socket, id.getBytes(StandardCharsets.UTF_8), id);
    }

    @Test
    void aRoomCountsItsPeersAndIsFreedWhenTheLastLeaves() throws Exception {
        RawSyncPeer a = peer("nb");
        RawSyncPeer b = peer("nb");
        RawSyncPeer c = peer("other");
        assertThat(a.await(d -> NotebookDoc.notebookId(d).isPresent(), WAIT)).isTrue();
        assertThat(b.await(d -> NotebookDoc.notebookId(d).isPresent(), WAIT)).isTrue();
        assertThat(c.await(d -> NotebookDoc.notebookId(d).isPresent(), WAIT)).isTrue();
        assertThat(registry.list()).containsExactly(RoomInfo.withoutKernel("nb", 2), RoomInfo.withoutKernel("other", 1));
        a.change(tx -> NotebookDoc.addCell(tx, 0, "x", "code", false));
        assertThat(b.await(d -> NotebookDoc.cell(d, "x").isPresent(), WAIT)).isTrue();
        a.close();
        await().atMost(WAIT).until(() -> registry.list().contains(RoomInfo.withoutKernel("nb", 1)));
        b.close();
        c.close();
        await().atMost(WAIT).until(() -> registry.list().isEmpty());
        NativeHandles.Counts delta = NativeHandles.counts().minus(before);
        assertThat(delta.liveDocuments()).as("every room document and peer replica freed").isZero();
        assertThat(delta.liveSyncStates()).as("every sync state freed").isZero();
        assertThat(delta.documentsCreated()).as("two rooms and three peer replicas").isEqualTo(5);
        // issue 16: nothing of an evicted room stays, its threads (file writer, peers' writers) included
        await("the rooms' and peers' writer threads ended").atMost(WAIT).until(() -> Thread.getAllStackTraces().keySet()
                .stream().map(Thread::getName)
                .noneMatch(n -> n.endsWith("-writer") && (n.startsWith("notebook-") || n.startsWith("peer-notebook-"))));
    }

    @Test
    void aReopenedRoomLoadsWhatTheClosedOneWrote() throws Exception {
        try (RawSyncPeer a = peer("persist")) {
            assertThat(a.await(d -> NotebookDoc.notebookId(d).isPresent(), WAIT)).isTrue();
            a.change(tx -> {
                NotebookDoc.addCell(tx, 0, "c", "code", false);
                NotebookDoc.updateSource(tx, "c", "saved ✓");
            });
            assertThat(a.await(d -> registry.snapshot("persist").map(s -> s.cells().size() == 1).orElse(false), WAIT))
                    .isTrue();
        }
        await().atMost(WAIT).until(() -> registry.list().isEmpty());
        try (RawSyncPeer b = peer("persist")) {
            assertThat(b.await(d -> NotebookDoc.cell(d, "c").map(c -> c.source().equals("saved ✓")).orElse(false), WAIT))
                    .isTrue();
        }
    }
}
