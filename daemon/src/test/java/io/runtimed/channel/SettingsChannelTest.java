package io.runtimed.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.runtimed.client.DaemonSocket;
import io.runtimed.client.SettingsClient;
import io.runtimed.daemon.Daemon;
import io.runtimed.daemon.DaemonConfig;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.FrameTimeoutException;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Handshake;
import io.runtimed.server.ConnectionRouter;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.settings.Theme;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The settings_sync channel inside a real daemon, in this JVM so that its native handles can be counted. */
class SettingsChannelTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    NativeHandles.Counts before;
    Daemon daemon;
    Path socket;
    ListAppender<ILoggingEvent> log;

    @BeforeEach
    void start() throws Exception {
        before = NativeHandles.counts();
        DaemonConfig config = DaemonConfig.builder(new RuntPaths(BaseDirs.under(tmp))).poolSizes(0, 0)
                .handshakeTimeout(Duration.ofSeconds(5)).build();
        socket = config.socket();
        daemon = Daemon.start(config);
        log = new ListAppender<>();
        log.start();
        ((Logger) LoggerFactory.getLogger(ConnectionRouter.class)).addAppender(log);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(ConnectionRouter.class)).detachAppender(log);
        daemon.close();
    }

    @Test
    void twoClientsSeeEachOthersChanges() throws Exception {
        try (SettingsClient a = SettingsClient.connect(socket); SettingsClient b = SettingsClient.connect(socket)) {
            a.set("theme", "dark");
            assertThat(b.waitFor(s -> s.theme() == Theme.DARK, WAIT)).isPresent();
            b.set("uv.default_packages", List.of("numpy"));
            assertThat(a.waitFor(s -> s.uv().defaultPackages().equals(List.of("numpy")), WAIT)).isPresent();
            assertThat(daemon.settings().snapshot().theme()).isEqualTo(Theme.DARK);
        }
    }

    @Test
    void aPeerThatSendsGarbageIsDroppedWithOneLogLineAndTheOthersKeepSyncing() throws Exception {
        try (SettingsClient good = SettingsClient.connect(socket);
             FrameChannel bad = DaemonSocket.open(socket, new Handshake.SettingsSync(), Duration.ofSeconds(2))) {
            assertThat(bad.readFrame(Frames.DATA_MAX)).as("the daemon spoke first").isNotNull();
            bad.writeFrame(new byte[] {0x42, 0x13, 0x37});
            assertThat(drain(bad)).as("the connection was closed").isTrue();

            good.set("default_runtime", "deno");
            assertThat(good.awaitSynced(WAIT)).isTrue();
            assertThat(daemon.settings().get("default_runtime")).contains("deno");

            await().atMost(WAIT).until(() -> !log.list.isEmpty());
            assertThat(log.list).singleElement().satisfies(e -> {
                assertThat(e.getFormattedMessage()).contains("bad request: undecodable sync message");
                assertThat(e.getThrowableProxy()).as("no stack trace for a client's fault").isNull();
            });
        }
    }

    @Test
    void everyDocumentAndSyncStateIsFreedWhenTheDaemonStops() throws Exception {
        try (SettingsClient a = SettingsClient.connect(socket); SettingsClient b = SettingsClient.connect(socket)) {
            a.set("theme", "light");
            assertThat(b.waitFor(s -> s.theme() == Theme.LIGHT, WAIT)).isPresent();
            assertThat(daemon.settings().peerCount()).isEqualTo(2);
            daemon.close(); // with both clients still connected
            assertThat(a.waitUntil(() -> !a.isConnected(), WAIT)).as("the client saw the daemon go").isTrue();
        }
        NativeHandles.Counts delta = NativeHandles.counts().minus(before);
        assertThat(delta.documentsCreated()).as("the daemon's and both replicas").isGreaterThanOrEqualTo(3);
        assertThat(delta.liveDocuments()).as("created %d, freed %d", delta.documentsCreated(), delta.documentsFreed()).isZero();
        assertThat(delta.liveSyncStates()).as("created %d, freed %d", delta.syncStatesCreated(), delta.syncStatesFreed()).isZero();
    }

    @Test
    void nonAsciiValuesRoundTripThroughTheDaemon() throws Exception {
        String note = "héllo 🌍 世界 \uD83D\uDC4B\uD83C\uDFFD";
        try (SettingsClient a = SettingsClient.connect(socket)) {
            a.set("uv.note", note);
            a.set("conda.default_packages", List.of("数据", "🐍"));
            assertThat(a.awaitSynced(WAIT)).isTrue();
        }
        try (SettingsClient b = SettingsClient.connect(socket)) {
            assertThat(b.get("uv.note")).contains(note);
            assertThat(b.getAll().conda().defaultPackages()).containsExactly("数据", "🐍");
        }
        assertThat(daemon.settings().get("uv.note")).isEqualTo(Optional.of(note));
    }

    /** Reads until the daemon closes the connection; true if it did. */
    private static boolean drain(FrameChannel frames) {
        try {
            while (frames.readFrame(Frames.DATA_MAX, WAIT) != null) {
                // the daemon may still answer before it reads the garbage
            }
            return true;
        } catch (FrameTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the daemon
        }
    }
}
