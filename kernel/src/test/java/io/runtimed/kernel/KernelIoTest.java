package io.runtimed.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runtimed.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** The I/O thread against a real ROUTER socket standing in for a kernel's shell channel. */
class KernelIoTest {
    private static final String KEY = "test-key";

    private final List<KernelMessage> shell = new CopyOnWriteArrayList<>();
    private final List<String> threads = new CopyOnWriteArrayList<>();

    private final KernelIo.Inbound inbound = new KernelIo.Inbound() {
        @Override
        public void iopub(KernelMessage message) {
        }

        @Override
        public void shell(KernelMessage message) {
            threads.add(Thread.currentThread().getName());
            shell.add(message);
        }

        @Override
        public void control(KernelMessage message) {
        }

        @Override
        public void heartbeatLost(int misses) {
        }

        @Override
        public void ioFailed(String reason) {
        }
    };

    @Test
    void messagesWithABadSignatureAreDroppedAndSignedOnesDelivered() throws Exception {
        try (ZContext context = new ZContext(1)) {
            ZMQ.Socket router = context.createSocket(SocketType.ROUTER);
            router.setLinger(0);
            int port = router.bindToRandomPort("tcp://127.0.0.1");
            int[] ports = ConnectionInfo.freePorts(5);
            ports[3] = port;
            ConnectionInfo info = new ConnectionInfo("127.0.0.1", "tcp", port, ports[4], ports[0], ports[1], ports[2],
                    KEY, "hmac-sha256", "python3");
            KernelIo io = new KernelIo("kernel-test-io", info, "session-1", inbound, 1000, 3);
            io.start();
            try {
                KernelMessage request = KernelMessage.request("kernel_info_request", Json.MAPPER.createObjectNode(),
                        "session-1");
                io.send(KernelIo.Channel.SHELL, request);

                // what the kernel side receives is signed with the key
                List<byte[]> received = receive(router);
                WireCodec kernelSide = new WireCodec(KEY);
                KernelMessage asSent = kernelSide.decode(received);
                assertThat(asSent.msgId()).isEqualTo(request.msgId());
                byte[] identity = received.get(0);
                assertThat(new String(identity, StandardCharsets.UTF_8)).isEqualTo("session-1");

                KernelMessage forgedReply = new KernelMessage(List.of(identity),
                        Headers.create("kernel_info_reply", "kernel"), request.header(), Json.MAPPER.createObjectNode(),
                        Json.MAPPER.createObjectNode().put("forged", true), List.of());
                send(router, new WireCodec("wrong-key").encode(forgedReply));
                KernelMessage goodReply = new KernelMessage(List.of(identity),
                        Headers.create("kernel_info_reply", "kernel"), request.header(), Json.MAPPER.createObjectNode(),
                        Json.MAPPER.createObjectNode().put("forged", false), List.of());
                send(router, kernelSide.encode(goodReply));

                await().atMost(Duration.ofSeconds(5)).until(() -> !shell.isEmpty());
                assertThat(shell).singleElement().satisfies(m -> {
                    assertThat(m.content().get("forged").asBoolean()).isFalse();
                    assertThat(m.parentMsgId()).isEqualTo(request.msgId());
                });
                assertThat(threads).containsOnly("kernel-test-io");
            } finally {
                io.stop();
                assertThat(io.join(2000)).isTrue();
            }
        }
    }

    private static List<byte[]> receive(ZMQ.Socket socket) {
        List<byte[]> frames = new ArrayList<>();
        frames.add(socket.recv(0));
        while (socket.hasReceiveMore()) {
            frames.add(socket.recv(0));
        }
        return frames;
    }

    private static void send(ZMQ.Socket socket, List<byte[]> frames) {
        for (int i = 0; i < frames.size(); i++) {
            socket.send(frames.get(i), i < frames.size() - 1 ? ZMQ.SNDMORE : 0);
        }
    }
}
