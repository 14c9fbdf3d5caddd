package io.runtimed.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Handshake;
import io.runtimed.sync.NativeHandles;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.automerge.AmValue;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Read;
import org.automerge.SyncState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica loop against scripted daemons: each one a real Automerge document and sync state on
 * the other end of a socket, so that every frame is a message the binding really generated.
 */
class SyncReplicaTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private Thread server;
    private final NativeHandles.Counts before = NativeHandles.counts();

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null) {
            server.join(WAIT.toMillis());
        }
    }

    /** What a scripted daemon does with each frame after the handshake and its own first message. */
    interface Script {
        void onFrame(byte[] frame, Document doc, SyncState state, FrameChannel frames) throws IOException;
    }

    /** A daemon that applies every frame and answers it, like §6.1 (but with no disk). */
    private static final Script HONEST = (frame, doc, state, frames) -> {
        doc.receiveSyncMessage(state, frame);
        Optional<byte[]> reply = doc.generateSyncMessage(state);
        if (reply.isPresent()) {
            frames.writeFrame(reply.get());
        }
    };

    /** Serves one connection with {@code script}; the server's document is freed when the client leaves. */
    private Path daemon(Script script) throws IOException {
        Path socket = tmp.resolve("d.sock");
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        server = new Thread(() -> {
            Document doc = new Document();
            SyncState state = new SyncState();
            try (listener; SocketChannel ch = listener.accept(); FrameChannel frames = new FrameChannel(ch)) {
                frames.readFrame(Frames.CONTROL_MAX);
                try (var tx = doc.startTransaction()) {
                    tx.set(ObjectId.ROOT, "theme", "system");
                    tx.commit();
                }
                frames.writeFrame(doc.generateSyncMessage(state).orElseThrow());
                byte[] frame;
                while ((frame = frames.readFrame(Frames.DATA_MAX)) != null) {
                    script.onFrame(frame, doc, state, frames);
                }
            } catch (IOException e) {
                // the client left
            } finally {
                state.free();
                doc.free();
            }
        }, "scripted-daemon");
        server.setDaemon(true);
        server.start();
        return socket;
    }

    private static SyncReplica<Optional<String>> connect(Path socket) throws DaemonClientException {
        return SyncReplica.open("test", socket, new Handshake.SettingsSync(), Duration.ofSeconds(2),
                SyncReplicaTest::theme);
    }

    private static Optional<String> theme(Read doc) {
        return doc.get(ObjectId.ROOT, "theme").filter(AmValue.Str.class::isInstance)
                .map(v -> ((AmValue.Str) v).getValue());
    }

    private static void setTheme(SyncReplica<?> r, String value) throws DaemonClientException {
        r.change(tx -> tx.set(ObjectId.ROOT, "theme", value), Duration.ZERO);
    }

    @Nested
    class Acknowledgement {
        @Test
        void aChangeIsStoredOnceTheDaemonAnnouncesHeadsThatContainIt() throws Exception {
            try (SyncReplica<Optional<String>> r = connect(daemon(HONEST))) {
                assertThat(r.snapshot()).contains("system");
                assertThat(r.awaitStored(WAIT)).as("nothing local yet").isTrue();
                setTheme(r, "dark");
                setTheme(r, "light");
                assertThat(r.awaitStored(WAIT)).isTrue();
            }
        }

        @Test
        void anAnswerWhoseHeadsLackTheChangeIsNoAcknowledgement() throws Exception {
            // answers promptly without ever applying what it gets: the old "it answered, then the
            // line went quiet" rule took that for an acknowledgement. (A few answers only: each one
            // makes the client offer again, and two peers that never agree would talk forever.)
            AtomicInteger answered = new AtomicInteger();
            Script deaf = (frame, doc, state, frames) -> {
                if (answered.get() >= 5) {
                    return;
                }
                SyncState fresh = new SyncState();
                try {
                    frames.writeFrame(doc.generateSyncMessage(fresh).orElseThrow());
                    answered.incrementAndGet();
                } finally {
                    fresh.free();
                }
            };
            try (SyncReplica<Optional<String>> r = connect(daemon(deaf))) {
                setTheme(r, "dark");
                assertThat(r.awaitStored(Duration.ofMillis(2_500))).isFalse();
                assertThat(answered.get()).as("the daemon did answer").isPositive();
            }
        }

        @Test
        void theWaitEndsWhenTheAnnouncementArrivesAndNotBefore() throws Exception {
            CountDownLatch release = new CountDownLatch(1);
            Script slow = (frame, doc, state, frames) -> {
                doc.receiveSyncMessage(state, frame);
                if (theme(doc).equals(Optional.of("dark"))) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                Optional<byte[]> reply = doc.generateSyncMessage(state);
                if (reply.isPresent()) {
                    frames.writeFrame(reply.get());
                }
            };
            try (SyncReplica<Optional<String>> r = connect(daemon(slow))) {
                setTheme(r, "dark");
                assertThat(r.awaitStored(Duration.ofMillis(500))).isFalse();
                release.countDown();
                assertThat(r.awaitStored(WAIT)).isTrue();
            }
        }

        @Test
        void aRemoteChangeAloneNeedsNoAcknowledgement() throws Exception {
            // the daemon pushes a change of its own (another window's) after the initial sync
            CountDownLatch pushed = new CountDownLatch(1);
            Script pushing = (frame, doc, state, frames) -> {
                HONEST.onFrame(frame, doc, state, frames);
                if (pushed.getCount() > 0) {
                    try (var tx = doc.startTransaction()) {
                        tx.set(ObjectId.ROOT, "other_window", "x");
                        tx.commit();
                    }
                    frames.writeFrame(doc.generateSyncMessage(state).orElseThrow());
                    pushed.countDown();
                }
            };
            try (SyncReplica<Optional<String>> r = connect(daemon(pushing))) {
                assertThat(pushed.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
                assertThat(r.waitUntil(() -> r.read(d -> d.get(ObjectId.ROOT, "other_window").isPresent()), WAIT))
                        .isTrue();
                assertThat(r.awaitStored(WAIT)).isTrue();
            }
        }
    }

    @Nested
    class InitialSync {
        @Test
        void joiningWaitsForTheDaemonsDocumentEvenPastTheQuietPeriod() throws Exception {
            // a loaded daemon: its answer to our first reply comes well after §6.2's 100 ms of quiet;
            // an edit made before it arrived would create a second root object next to the daemon's
            Script slow = (frame, doc, state, frames) -> {
                try {
                    Thread.sleep(4 * SyncReplica.QUIET_PERIOD.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                HONEST.onFrame(frame, doc, state, frames);
            };
            try (SyncReplica<Optional<String>> r = connect(daemon(slow))) {
                assertThat(r.snapshot()).as("the daemon's document is there when join returns").contains("system");
            }
        }
    }

    @Nested
    class Failure {
        @Test
        void aBrokenConnectionFailsLaterCallsWithDisconnected() throws Exception {
            // takes the change, then hangs up without announcing it
            Script hangUp = (frame, doc, state, frames) -> {
                doc.receiveSyncMessage(state, frame);
                if (theme(doc).equals(Optional.of("dark"))) {
                    frames.close();
                    return;
                }
                Optional<byte[]> reply = doc.generateSyncMessage(state);
                if (reply.isPresent()) {
                    frames.writeFrame(reply.get());
                }
            };
            SyncReplica<Optional<String>> r = connect(daemon(hangUp));
            try {
                setTheme(r, "dark"); // the daemon hangs up on this
                assertThat(r.waitUntil(() -> !r.isConnected(), WAIT)).isTrue();
                assertThatThrownBy(() -> setTheme(r, "light")).isInstanceOf(DaemonClientException.class)
                        .hasMessageStartingWith("Disconnected");
                assertThatThrownBy(() -> r.awaitStored(WAIT)).as("never announced, and now never will be")
                        .isInstanceOf(DaemonClientException.class).hasMessageStartingWith("Disconnected");
            } finally {
                r.close();
            }
        }

        @Test
        void aClosedReplicaSaysSoAndIsFreedExactlyOnce() throws Exception {
            SyncReplica<Optional<String>> r = connect(daemon(HONEST));
            r.close();
            r.close();
            assertThatThrownBy(() -> setTheme(r, "x")).hasMessage("Disconnected: client closed");
            assertThatThrownBy(() -> r.awaitStored(WAIT)).hasMessage("Disconnected: client closed");
            assertThatThrownBy(() -> r.waitFor(t -> true, WAIT)).hasMessage("Disconnected: client closed");
            assertThat(r.isConnected()).isFalse();
            server.join(WAIT.toMillis());
            NativeHandles.Counts delta = NativeHandles.counts().minus(before);
            assertThat(delta.documentsCreated()).isEqualTo(1);
            assertThat(delta.documentsFreed()).isEqualTo(1);
            assertThat(delta.syncStatesCreated()).isEqualTo(1);
            assertThat(delta.syncStatesFreed()).isEqualTo(1);
        }

        @Test
        void theReaderThreadIsNamedAfterTheClient() throws Exception {
            try (SyncReplica<Optional<String>> r = connect(daemon(HONEST))) {
                assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                        .anyMatch(n -> n.matches("test-client-\\d+"));
            }
        }
    }
}
