package io.runtimed.rooms;

import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.SyncMessageException;
import io.runtimed.testkit.RawSyncPeer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.protocol.NotebookRequest;
import io.runtimed.protocol.NotebookResponse;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.automerge.AmValue;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PROTOCOL.md §6.1 with the reusable core alone: one room, raw peers over real Unix sockets. */
class SyncRoomTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    NativeHandles.Counts before;
    DocumentOwner owner;
    SyncRoom room;
    final AtomicInteger persisted = new AtomicInteger();
    final List<Throwable> peerErrors = new CopyOnWriteArrayList<>();
    final List<RawSyncPeer> peers = new ArrayList<>();
    final List<SocketChannel> rawSockets = new ArrayList<>();
    ServerSocketChannel server;
    Path socket;
    /** Set by a test before its peers connect: they are then served typed frames (KERNELS.md §1). */
    volatile TypedFramesHandler typed;

    @BeforeEach
    void start() throws IOException {
        before = NativeHandles.counts();
        owner = new DocumentOwner("test", NativeHandles.newDocument());
        room = new SyncRoom(owner, persisted::incrementAndGet);
        socket = tmp.resolve("room.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        AtomicLong ids = new AtomicLong();
        Thread acceptor = new Thread(() -> {
            while (server.isOpen()) {
                try {
                    SocketChannel ch = server.accept();
                    long id = ids.incrementAndGet();
                    Thread t = new Thread(() -> serve(id, ch), "test-conn-" + id);
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "test-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void serve(long id, SocketChannel ch) {
        try (FrameChannel frames = new FrameChannel(ch)) {
            room.serve("peer-test-" + id, frames, typed);
        } catch (IOException e) {
            peerErrors.add(e);
        }
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        for (RawSyncPeer p : peers) {
            p.close();
        }
        for (SocketChannel c : rawSockets) {
            c.close();
        }
        room.close(WAIT);
        owner.close();
    }

    private RawSyncPeer peer(String name) throws IOException {
        RawSyncPeer p = RawSyncPeer.connect(socket, null, name);
        peers.add(p);
        return p;
    }

    private static Optional<String> str(Document doc, String key) {
        return doc.get(ObjectId.ROOT, key).filter(AmValue.Str.class::isInstance).map(v -> ((AmValue.Str) v).getValue());
    }

    @Test
    void theServerSpeaksFirst() throws Exception {
        RawSyncPeer p = peer("a");
        byte[] first = p.awaitFirstFrame(WAIT);
        assertThat(first).as("a sync message arrives without the peer sending anything").isNotNull();
        assertThat(first[0]).as("a v1 sync message").isEqualTo((byte) 0x42);
    }

    @Test
    void aChangeFromOnePeerReachesEveryOtherAndIsPersistedOnce() throws Exception {
        RawSyncPeer a = peer("a");
        RawSyncPeer b = peer("b");
        RawSyncPeer c = peer("c");
        await().atMost(WAIT).until(() -> room.peerCount() == 3 && a.frameCount() > 0 && b.frameCount() > 0 && c.frameCount() > 0);
        assertThat(persisted.get()).as("handshake traffic changes nothing").isZero();

        a.change(tx -> tx.set(ObjectId.ROOT, "theme", "dark"));
        for (RawSyncPeer p : List.of(b, c)) {
            assertThat(p.await(d -> str(d, "theme").equals(Optional.of("dark")), WAIT)).isTrue();
        }
        assertThat(persisted.get()).isEqualTo(1);
    }

    @Test
    void concurrentChangesToDifferentKeysBothSurvive() throws Exception {
        RawSyncPeer a = peer("a");
        RawSyncPeer b = peer("b");
        await().atMost(WAIT).until(() -> a.frameCount() > 0 && b.frameCount() > 0);
        a.change(tx -> tx.set(ObjectId.ROOT, "theme", "dark"));
        b.change(tx -> tx.set(ObjectId.ROOT, "default_runtime", "deno"));
        for (RawSyncPeer p : List.of(a, b)) {
            assertThat(p.await(d -> str(d, "theme").isPresent() && str(d, "default_runtime").isPresent(), WAIT)).isTrue();
        }
        boolean both = owner.read(r -> r.get(ObjectId.ROOT, "theme").isPresent()
                && r.get(ObjectId.ROOT, "default_runtime").isPresent());
        assertThat(both).as("the room's document has both").isTrue();
    }

    @Test
    void aPeerSendingGarbageIsDroppedWhileTheOthersKeepSyncing() throws Exception {
        RawSyncPeer good = peer("good");
        RawSyncPeer bad = peer("bad");
        await().atMost(WAIT).until(() -> room.peerCount() == 2 && bad.frameCount() > 0);
        bad.sendRaw(new byte[] {1, 2, 3, 4});
        assertThat(bad.awaitDisconnect(WAIT)).isTrue();
        await().atMost(WAIT).until(() -> room.peerCount() == 1);
        assertThat(peerErrors).singleElement().isInstanceOf(SyncMessageException.class)
                .extracting(Throwable::getMessage).asString().startsWith("undecodable sync message: ");

        RawSyncPeer late = peer("late");
        good.change(tx -> tx.set(ObjectId.ROOT, "theme", "light"));
        assertThat(late.await(d -> str(d, "theme").equals(Optional.of("light")), WAIT)).isTrue();
    }

    @Test
    void aPeerThatStopsReadingHoldsUpNobody() throws Exception {
        // the stuck peer tells the room its (empty) heads once, then never reads again, so every
        // change is sent to it until its socket buffer is full and its writer blocks
        SocketChannel stuck = SocketChannel.open(StandardProtocolFamily.UNIX);
        stuck.connect(UnixDomainSocketAddress.of(socket));
        rawSockets.add(stuck);
        Document empty = NativeHandles.newDocument();
        org.automerge.SyncState state = NativeHandles.newSyncState();
        try {
            new FrameChannel(stuck).writeFrame(empty.generateSyncMessage(state).orElseThrow());
        } finally {
            NativeHandles.free(state);
            NativeHandles.free(empty);
        }
        await().atMost(WAIT).until(() -> room.peerCount() == 1);
        RawSyncPeer a = peer("a");
        RawSyncPeer b = peer("b");
        await().atMost(WAIT).until(() -> room.peerCount() == 3);

        String big = "x".repeat(1 << 20);
        for (int i = 0; i < 8; i++) {
            String value = i + big;
            a.change(tx -> tx.set(ObjectId.ROOT, "big", value));
        }
        a.change(tx -> tx.set(ObjectId.ROOT, "theme", "dark"));
        assertThat(b.await(d -> str(d, "theme").equals(Optional.of("dark")), WAIT)).isTrue();
        await().atMost(WAIT).untilAsserted(() -> assertThat(stackOf("peer-test-1-writer"))
                .as("the stuck peer's writer waits in a socket write").contains("writeFrame"));
    }

    /** The heads a sync message announces: type byte, LEB128 count, 32-byte hashes. */
    private static List<String> announcedHeads(byte[] message) {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(message);
        in.get();
        long count = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = in.get();
            count |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        List<String> heads = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            byte[] hash = new byte[32];
            in.get(hash);
            heads.add(java.util.HexFormat.of().formatHex(hash));
        }
        return heads;
    }

    private static List<String> headsOf(Document doc) {
        return java.util.Arrays.stream(doc.getHeads()).map(h -> java.util.HexFormat.of().formatHex(h.getBytes())).sorted().toList();
    }

    @Test
    void everyMessageIsAnsweredEvenWhenThePeerPipelines() throws Exception {
        // A change, then at once a change-free message announcing the same heads (what a JS peer sends
        // when it answers an older reply): Automerge's receive takes the second as proof that the peer
        // knows our heads, so the daemon must have answered the first before it reads the second, or
        // it never announces the change and the peer waits forever.
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        rawSockets.add(ch);
        FrameChannel frames = new FrameChannel(ch);
        Document local = NativeHandles.newDocument();
        org.automerge.SyncState state = NativeHandles.newSyncState();
        try {
            local.receiveSyncMessage(state, frames.readFrame(1 << 20));
            for (int round = 0; round < 20; round++) {
                int i = round;
                try (org.automerge.Transaction tx = local.startTransaction()) {
                    tx.set(ObjectId.ROOT, "k" + i, "v" + i);
                    tx.commit();
                }
                frames.writeFrame(local.generateSyncMessage(state).orElseThrow());
                org.automerge.SyncState other = NativeHandles.newSyncState();
                try {
                    frames.writeFrame(local.generateSyncMessage(other).orElseThrow());
                } finally {
                    NativeHandles.free(other);
                }
            }
            List<String> ours = headsOf(local);
            long deadline = System.nanoTime() + WAIT.toNanos();
            List<String> announced = List.of();
            while (!announced.equals(ours) && System.nanoTime() < deadline) {
                byte[] frame = frames.readFrame(1 << 20);
                assertThat(frame).as("the daemon closed the connection").isNotNull();
                announced = announcedHeads(frame).stream().sorted().toList();
            }
            assertThat(announced).as("the daemon announces the peer's last change").isEqualTo(ours);
        } finally {
            NativeHandles.free(state);
            NativeHandles.free(local);
        }
    }

    @Test
    void noPeerHearsOfAChangeBeforeItIsDurable() throws Exception {
        AtomicLong staged = new AtomicLong();
        owner.attachJournal((doc, heads) -> staged.incrementAndGet());
        RawSyncPeer a = peer("a");
        RawSyncPeer b = peer("b");
        await().atMost(WAIT).until(() -> room.peerCount() == 2 && a.frameCount() > 0 && b.frameCount() > 0);
        int aFrames = a.frameCount();

        a.change(tx -> tx.set(ObjectId.ROOT, "theme", "dark"));
        await().atMost(WAIT).until(() -> staged.get() == 1);
        assertThat(b.await(d -> str(d, "theme").isPresent(), Duration.ofMillis(500)))
                .as("another peer is not sent a change the disk does not hold yet").isFalse();
        assertThat(a.frameCount()).as("nor is the sender answered").isEqualTo(aFrames);

        owner.durableUpTo(1);
        assertThat(b.await(d -> str(d, "theme").equals(Optional.of("dark")), WAIT)).isTrue();
        await().atMost(WAIT).until(() -> a.frameCount() > aFrames);
    }

    /**
     * A broadcast announced after a change reaches the peer after a sync message with that change,
     * even when the sender finds the broadcast waiting when it gets to the change: here it is held
     * in {@code awaitDurable} by an earlier edit while the output change and its broadcast are made.
     */
    @Test
    void aBroadcastMadeAfterAChangeArrivesAfterIt() throws Exception {
        AtomicLong staged = new AtomicLong();
        owner.attachJournal((doc, heads) -> staged.incrementAndGet());
        typed = noRequests();
        RawSyncPeer a = RawSyncPeer.connectTyped(socket, null, "a");
        peers.add(a);
        // the first exchange done: the daemon applied a message of the peer's that carries a change,
        // so it knows the peer's heads (Automerge sends a peer changes only after that)
        a.change(tx -> tx.set(ObjectId.ROOT, "hello", "a"));
        await().atMost(WAIT).until(() -> owner.withDocument(d -> str(d, "hello")).isPresent());
        int framesBefore = a.frameCount();
        owner.durableUpTo(staged.get());
        // the exchange settled before the test's own edits: the daemon's answer arrived (the peer
        // answers each sync frame before it counts it), and the daemon read the peer's answer (it
        // reads a request after it). A peer frame read later would make the daemon generate the
        // output change itself, behind the broadcast, while the earlier edit is not yet durable.
        await().atMost(WAIT).until(() -> a.frameCount() > framesBefore);
        a.request("{\"action\":\"get_queue_state\"}");
        a.awaitResponses(1, WAIT);

        owner.change(tx -> tx.set(ObjectId.ROOT, "edit", "e1")); // a daemon edit: sent once durable
        room.broadcast();
        await().atMost(WAIT).until(SyncRoomTest::aWriterAwaitsDurability);
        owner.changeEventually(tx -> tx.set(ObjectId.ROOT, "output", "o1"));
        room.broadcast();
        room.announce(new NotebookBroadcast.Output("c1", "stream", "o1"));
        List<String> heads = owner.withDocument(SyncRoomTest::headsOf);
        owner.durableUpTo(staged.get());

        assertThat(a.awaitBroadcast("\"output\"", WAIT)).hasSize(1);
        assertThat(a.headsAtBroadcasts()).as("the peer's document when the output was announced")
                .containsExactly(heads);
        assertThat(a.<Optional<String>>read(d -> str(d, "output"))).hasValue("o1");
    }

    /**
     * Broadcasts that piled up while the writer waited for the disk leave together, in slices of
     * {@link SyncPeer#BURST_FRAMES}, in the order they were made, none lost, after the change.
     */
    @Test
    void broadcastsThatPiledUpLeaveInOrderInBursts() throws Exception {
        AtomicLong staged = new AtomicLong();
        owner.attachJournal((doc, heads) -> staged.incrementAndGet());
        typed = noRequests();
        RawSyncPeer a = RawSyncPeer.connectTyped(socket, null, "a");
        peers.add(a);
        await().atMost(WAIT).until(() -> a.frameCount() > 0);

        owner.change(tx -> tx.set(ObjectId.ROOT, "edit", "e1")); // a daemon edit: sent once durable
        room.broadcast();
        await().atMost(WAIT).until(SyncRoomTest::aWriterAwaitsDurability);
        int n = 3 * SyncPeer.BURST_FRAMES + 5;
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            room.announce(new NotebookBroadcast.Output("c" + i, "stream", "o" + i));
            expected.add("c" + i);
        }
        owner.durableUpTo(staged.get());

        a.awaitBroadcast("\"c" + (n - 1) + "\"", WAIT);
        List<String> cells = a.broadcasts().stream()
                .filter(b -> b.contains("\"output\""))
                .map(b -> b.replaceAll(".*\"cell_id\":\"(c\\d+)\".*", "$1"))
                .toList();
        assertThat(cells).containsExactlyElementsOf(expected);
        assertThat(a.<Optional<String>>read(d -> str(d, "edit"))).hasValue("e1");
    }

    private static TypedFramesHandler noRequests() {
        return new TypedFramesHandler() {
            @Override
            public NotebookResponse answer(NotebookRequest request) {
                return new NotebookResponse.Error("not in this test");
            }

            @Override
            public List<NotebookBroadcast> greeting() {
                return List.of();
            }

            @Override
            public List<NotebookBroadcast> afterLag() {
                return List.of();
            }
        };
    }

    private static boolean aWriterAwaitsDurability() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().startsWith("peer-test-") && e.getKey().getName().endsWith("-writer"))
                .anyMatch(e -> Arrays.stream(e.getValue()).anyMatch(f -> f.getMethodName().equals("awaitDurable")));
    }

    @Test
    void writerThreadsAreNamedAfterTheirPeers() throws Exception {
        RawSyncPeer a = peer("a");
        await().atMost(WAIT).until(() -> a.frameCount() > 0);
        assertThat(writerThreads()).singleElement().asString().matches("peer-test-\\d+-writer");
    }

    @Test
    void closingTheRoomDropsEveryPeerAndEveryNativeHandleIsFreedOnce() throws Exception {
        RawSyncPeer a = peer("a");
        RawSyncPeer b = peer("b");
        await().atMost(WAIT).until(() -> room.peerCount() == 2);
        a.change(tx -> tx.set(ObjectId.ROOT, "theme", "dark"));
        assertThat(b.await(d -> str(d, "theme").isPresent(), WAIT)).isTrue();

        assertThat(room.close(WAIT)).isTrue();
        assertThat(a.awaitDisconnect(WAIT)).isTrue();
        assertThat(room.peerCount()).isZero();
        owner.close();
        owner.close(); // idempotent: freed once
        for (RawSyncPeer p : peers) {
            p.close();
        }
        peers.clear();

        NativeHandles.Counts delta = NativeHandles.counts().minus(before);
        assertThat(delta.liveDocuments()).as("documents created %d, freed %d", delta.documentsCreated(), delta.documentsFreed())
                .isZero();
        assertThat(delta.liveSyncStates()).as("sync states").isZero();
        assertThat(delta.syncStatesCreated()).as("one per server peer and one per test peer").isEqualTo(4);
    }

    private static String stackOf(String threadName) {
        return Thread.getAllStackTraces().entrySet().stream().filter(e -> e.getKey().getName().equals(threadName))
                .map(e -> java.util.Arrays.toString(e.getValue())).findFirst().orElse("(no such thread)");
    }

    private static List<String> writerThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith("peer-test-") && n.endsWith("-writer")).toList();
    }
}
