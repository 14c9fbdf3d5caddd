package io.runtimed.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.TextNode;
import io.runtimed.daemon.Daemon;
import io.runtimed.daemon.DaemonConfig;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Json;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.settings.SyncedSettings;
import io.runtimed.sync.settings.Theme;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SETTINGS.md §9 and PROTOCOL.md §6.2: the settings client library. */
class SettingsClientTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private Daemon startDaemon() throws Exception {
        return Daemon.start(DaemonConfig.builder(new RuntPaths(BaseDirs.under(tmp))).poolSizes(0, 0)
                .handshakeTimeout(Duration.ofSeconds(5)).build());
    }

    /** A one-connection server that reads the handshake and then does {@code then}. */
    private Path fakeDaemon(Consumer<FrameChannel> then) throws IOException {
        Path socket = tmp.resolve("fake.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread t = new Thread(() -> {
            try (server; SocketChannel ch = server.accept(); FrameChannel frames = new FrameChannel(ch)) {
                frames.readFrame(Frames.CONTROL_MAX);
                then.accept(frames);
            } catch (IOException e) {
                // the test reads the client's side
            }
        }, "fake-daemon");
        t.setDaemon(true);
        t.start();
        return socket;
    }

    @Nested
    class Connecting {
        @Test
        void whereNoDaemonListensFailsAtOnceAsNotReachable() {
            assertThatThrownBy(() -> SettingsClient.connect(tmp.resolve("none.sock")))
                    .isInstanceOfSatisfying(DaemonClientException.class,
                            e -> assertThat(e.kind()).isEqualTo(DaemonClientException.Kind.NOT_REACHABLE))
                    .hasMessageStartingWith("Failed to connect to daemon at ");
        }

        @Test
        void tryGetSyncedSettingsGivesTheSnapshotOrNothing() throws Exception {
            assertThat(SettingsClient.tryGetSyncedSettings(tmp.resolve("none.sock"))).isEmpty();
            try (Daemon daemon = startDaemon()) {
                assertThat(SettingsClient.tryGetSyncedSettings(Path.of(daemon.info().endpoint())))
                        .contains(SyncedSettings.DEFAULTS);
            }
        }

        @Test
        void toADaemonThatClosesTheChannelReportsDisconnected() throws Exception {
            Path socket = fakeDaemon(frames -> { });
            assertThatThrownBy(() -> SettingsClient.connect(socket)).hasMessageStartingWith("Disconnected");
        }

        @Test
        void toADaemonThatSendsGarbageReportsASyncProtocolError() throws Exception {
            Path socket = fakeDaemon(frames -> {
                try {
                    frames.writeFrame(new byte[] {9, 9, 9});
                    frames.readFrame(Frames.DATA_MAX);
                } catch (IOException ignored) {
                    // the client hangs up
                }
            });
            assertThatThrownBy(() -> SettingsClient.connect(socket))
                    .hasMessageStartingWith("Sync protocol error: undecodable sync message");
        }

        @Test
        void returnsWithTheWholeDocumentAndFreesItsReplicaOnClose() throws Exception {
            NativeHandles.Counts before = NativeHandles.counts();
            try (Daemon daemon = startDaemon()) {
                Path socket = Path.of(daemon.info().endpoint());
                try (SettingsClient writer = SettingsClient.connect(socket)) {
                    writer.set("theme", "dark");
                    writer.set("conda.default_packages", List.of("scipy"));
                    assertThat(writer.awaitSynced(WAIT)).isTrue();
                }
                try (SettingsClient reader = SettingsClient.connect(socket)) {
                    SyncedSettings s = reader.getAll(); // no waiting: the initial sync is complete
                    assertThat(s.theme()).isEqualTo(Theme.DARK);
                    assertThat(s.conda().defaultPackages()).containsExactly("scipy");
                    assertThat(reader.getList("uv.default_packages")).contains(List.of());
                }
            }
            NativeHandles.Counts delta = NativeHandles.counts().minus(before);
            assertThat(delta.liveDocuments()).isZero();
            assertThat(delta.liveSyncStates()).isZero();
        }
    }

    @Nested
    class Changes {
        @Test
        void reachSubscribersAndWaitersWithAFreshSnapshot() throws Exception {
            try (Daemon daemon = startDaemon()) {
                Path socket = Path.of(daemon.info().endpoint());
                try (SettingsClient a = SettingsClient.connect(socket); SettingsClient b = SettingsClient.connect(socket)) {
                    LinkedBlockingQueue<SyncedSettings> heard = new LinkedBlockingQueue<>();
                    AutoCloseable subscription = b.subscribe(heard::add);

                    a.set("default_runtime", "deno");
                    SyncedSettings first = heard.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    assertThat(first).isNotNull();
                    assertThat(first.defaultRuntime().value()).isEqualTo("deno");

                    a.set("theme", "light");
                    assertThat(b.nextChange(WAIT)).hasValueSatisfying(s -> assertThat(s.theme()).isEqualTo(Theme.LIGHT));

                    subscription.close();
                    heard.clear();
                    a.set("theme", "dark");
                    assertThat(b.waitFor(s -> s.theme() == Theme.DARK, WAIT)).isPresent();
                    assertThat(heard).as("no calls after the subscription closed").isEmpty();
                }
            }
        }

        /**
         * A listener subscribed the moment connect returns must not be called for the initial sync's
         * change, which the reader may still be finishing (it wakes the connecting thread before it
         * answers the frame). Repeated: the window is a socket write wide.
         */
        @Test
        void aSubscriberAddedRightAfterConnectingHearsOnlyLaterChanges() throws Exception {
            try (Daemon daemon = startDaemon()) {
                Path socket = Path.of(daemon.info().endpoint());
                try (SettingsClient writer = SettingsClient.connect(socket)) {
                    writer.set("theme", "dark");
                    assertThat(writer.awaitSynced(WAIT)).isTrue();
                    for (int i = 0; i < 40; i++) {
                        LinkedBlockingQueue<SyncedSettings> heard = new LinkedBlockingQueue<>();
                        try (SettingsClient c = SettingsClient.connect(socket)) {
                            c.subscribe(heard::add);
                            String runtime = i % 2 == 0 ? "deno" : "python";
                            writer.set("default_runtime", runtime);
                            SyncedSettings first = heard.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                            assertThat(first).as("round %d", i).isNotNull();
                            assertThat(first.defaultRuntime().value()).as("round %d", i).isEqualTo(runtime);
                        }
                    }
                }
            }
        }

        /** Issue 16: settings.json follows a burst of changes with a rewrite or two, not one per change. */
        @Test
        void aBurstOfChangesRewritesSettingsJsonOnceOrTwice() throws Exception {
            try (Daemon daemon = startDaemon();
                 SettingsClient c = SettingsClient.connect(Path.of(daemon.info().endpoint()))) {
                Path json = new RuntPaths(BaseDirs.under(tmp)).settingsJson();
                long before = daemon.settings().mirrorWrites();
                long start = System.nanoTime();
                for (int i = 0; i < 30; i++) {
                    c.set("uv.default_packages", List.of("burst-" + i));
                    assertThat(c.awaitSynced(WAIT)).isTrue(); // each one stored before the next
                }
                long burstMillis = (System.nanoTime() - start) / 1_000_000;
                await().atMost(WAIT).until(() -> Files.readString(json).contains("burst-29"));
                // one rewrite per started MIRROR_DELAY (50 ms) of the burst, and the last one (with a
                // rewrite as soon as the mirror's thread is free: 6-7 in a 42 ms burst on 2 cores)
                long allowed = 2 + burstMillis / 50;
                assertThat(daemon.settings().mirrorWrites() - before).as("rewrites in a burst of %d ms", burstMillis)
                        .isBetween(1L, Math.min(allowed, 15L));
            }
        }

        @Test
        void putValueTakesAJsonStringOrArrayAndListsNeedADottedKey() throws Exception {
            try (Daemon daemon = startDaemon();
                 SettingsClient c = SettingsClient.connect(Path.of(daemon.info().endpoint()))) {
                assertThat(c.setValue("theme", TextNode.valueOf("light"))).isTrue();
                assertThat(c.setValue("uv.default_packages", Json.MAPPER.readTree("[\"numpy\", 3]"))).isTrue();
                assertThat(c.setValue("theme", Json.MAPPER.readTree("{}"))).isFalse();
                assertThatThrownBy(() -> c.setValue("packages", Json.MAPPER.readTree("[\"x\"]")))
                        .isInstanceOf(IllegalArgumentException.class).hasMessage("list key must be dotted");
                assertThat(c.awaitSynced(WAIT)).isTrue();
                assertThat(daemon.settings().snapshot().uv().defaultPackages()).containsExactly("numpy");
                assertThat(daemon.settings().snapshot().theme()).isEqualTo(Theme.LIGHT);
            }
        }

        @Test
        void aDaemonThatStopsEndsTheWaitWithDisconnected() throws Exception {
            Daemon daemon = startDaemon();
            try (SettingsClient c = SettingsClient.connect(Path.of(daemon.info().endpoint()))) {
                daemon.close();
                assertThatThrownBy(() -> c.waitFor(s -> false, WAIT)).hasMessageStartingWith("Disconnected");
                assertThat(c.isConnected()).isFalse();
            } finally {
                daemon.close();
            }
        }
    }
}
