package io.runtimed.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runtimed.client.DaemonSocket;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Handshake;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The socket's connection threads, on a real Unix socket. */
class SocketServerTest {
    static final Duration IO = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void aConnectionsThreadEndsOnceItWasIdleForTheKeepAlive() throws Exception {
        List<Thread> serving = new CopyOnWriteArrayList<>();
        ChannelHandler recordThread = (connection, handshake) -> serving.add(Thread.currentThread());
        ChannelHandlers handlers = new ChannelHandlers(recordThread, recordThread, recordThread, recordThread,
                recordThread);
        Path socket = dir.resolve("s.sock");
        try (SocketServer server = SocketServer.start(socket, new ConnectionRouter(handlers, IO), Duration.ofMillis(100))) {
            for (int i = 0; i < 3; i++) {
                try (FrameChannel c = DaemonSocket.open(socket, new Handshake.Pool(), IO)) {
                    assertThat(c.readFrame(Frames.CONTROL_MAX, IO)).as("the channel ended: EOF").isNull();
                }
            }
            assertThat(serving).hasSize(3);
            // issue 16: an idle thread's stack and glibc caches go back to the system only when it ends
            await("every connection thread ended").atMost(IO)
                    .until(() -> serving.stream().noneMatch(Thread::isAlive));
        }
    }
}
