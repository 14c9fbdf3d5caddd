package io.runtimed.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** One real ipykernel shared by every test that leaves it running and idle. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunningKernelIT {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private KernelFixture fixture;
    private RecordingListener listener;
    private RunningKernel kernel;

    @BeforeAll
    void launch() throws Exception {
        fixture = new KernelFixture();
        listener = new RecordingListener();
        kernel = fixture.launch(listener);
    }

    @AfterAll
    void shutDown() throws Exception {
        if (kernel != null) {
            kernel.shutdown();
        }
        fixture.close();
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Launch {
        @Test
        void theKernelAnsweredKernelInfo() {
            ObjectNode info = kernel.kernelInfo();

            assertThat(info.get("status").asText()).isEqualTo("ok");
            assertThat(info.get("implementation").asText()).isEqualTo("ipython");
            assertThat(info.path("language_info").path("name").asText()).isEqualTo("python");
            assertThat(kernel.isAlive()).isTrue();
        }

        @Test
        void theKernelLeadsItsOwnProcessGroup() {
            long pid = kernel.pid();

            assertThat(ProcessGroup.of(pid)).isEqualTo(pid);
            assertThat(ProcessGroup.of(pid)).isNotEqualTo(ProcessGroup.of(ProcessHandle.current().pid()));
            assertThat(ProcessHandle.of(pid).flatMap(h -> h.info().command()).orElseThrow())
                    .isEqualTo(KernelRegistry.realPath("/usr/bin/python3"));
        }

        @Test
        void theRegistryRecordsTheKernel() {
            RegistryEntry entry = fixture.registry.read(kernel.id()).orElseThrow();

            assertThat(entry.pid()).isEqualTo(kernel.pid());
            assertThat(entry.pgid()).isEqualTo(kernel.pid());
            assertThat(entry.connectionFile()).isEqualTo(kernel.connectionFile().toString());
            assertThat(entry.notebookId()).isEqualTo("notebook-1");
            assertThat(entry.executable()).isEqualTo(KernelRegistry.realPath("/usr/bin/python3"));
        }

        @Test
        void theKernelLogsToItsOwnPrivateFile() throws Exception {
            var log = fixture.registry.logFile(kernel.id());

            assertThat(log).exists();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log))).isEqualTo("rw-------");
            assertThat(kernel.connectionFile()).exists();
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Execution {
        @Test
        void onePlusOneGivesInputResultIdleAndAReply() {
            String msgId = kernel.execute("1+1", false, true);

            listener.awaitIdle(msgId, WAIT);
            KernelMessage reply = listener.awaitShellReply(msgId, WAIT);

            List<String> types = listener.iopubFor(msgId).stream().map(KernelMessage::msgType).toList();
            assertThat(types).containsSubsequence("execute_input", "execute_result", "status");
            KernelMessage result = listener.awaitIopub(msgId, m -> m.msgType().equals("execute_result"), WAIT);
            assertThat(result.content().path("data").path("text/plain").asText()).isEqualTo("2");
            KernelMessage input = listener.awaitIopub(msgId, m -> m.msgType().equals("execute_input"), WAIT);
            assertThat(input.content().get("code").asText()).isEqualTo("1+1");
            assertThat(reply.msgType()).isEqualTo("execute_reply");
            assertThat(reply.content().get("status").asText()).isEqualTo("ok");
        }

        @Test
        void printArrivesAsAStdoutStream() {
            String msgId = kernel.execute("print('hello')", false, true);

            listener.awaitIdle(msgId, WAIT);
            // one print may come as more than one stream message ("hello", then "\n"): ipykernel
            // sends what it buffered when its flush timer fires, which may fall between the two writes
            List<KernelMessage> streams = listener.iopubFor(msgId).stream().filter(m -> m.msgType().equals("stream")).toList();

            assertThat(streams).isNotEmpty().allMatch(m -> m.content().get("name").asText().equals("stdout"));
            assertThat(streams.stream().map(m -> m.content().get("text").asText()).collect(java.util.stream.Collectors.joining()))
                    .isEqualTo("hello\n");
        }

        /**
         * Replies on the event thread; an iopub message on the I/O thread when nothing is queued
         * before it. Either way one callback at a time, in arrival order, even with a slow listener
         * whose reply callbacks are still running when the next request's iopub messages arrive.
         */
        @Test
        void listenerCallbacksRunOneAtATimeInOrderOnTheKernelsEventOrIoThread() {
            listener.busyNanos = TimeUnit.MILLISECONDS.toNanos(2);
            List<String> msgIds = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                msgIds.add(kernel.execute("print(" + i + ", flush=True)", false, false));
            }
            for (String msgId : msgIds) {
                listener.awaitShellReply(msgId, WAIT);
                listener.awaitIdle(msgId, WAIT);
            }

            assertThat(listener.threads).allMatch(name -> name.matches("kernel-[0-9a-f]{8}-(events|io)"));
            assertThat(listener.threads).anyMatch(name -> name.endsWith("-io"));
            assertThat(listener.shellReplyThreads).allMatch(name -> name.endsWith("-events"));
            assertThat(listener.overlaps).hasValue(0);
            assertThat(listener.iopub.stream().filter(m -> msgIds.contains(m.parentMsgId()) && m.msgType().equals("stream"))
                    .map(m -> m.content().path("text").asText()).collect(java.util.stream.Collectors.joining()))
                    .as("every print, in order (one may come in two messages)").isEqualTo("0\n1\n2\n3\n4\n5\n");
        }

        /**
         * With a slow listener and a flood of outputs, the I/O thread takes iopub in slices: the
         * reply that comes in behind the flood is read and delivered long before the flood is.
         */
        @Test
        void aReplyIsNotHeldBehindAFloodOfOutputsForASlowListener() {
            listener.busyNanos = TimeUnit.MILLISECONDS.toNanos(5);
            int before = listener.iopub.size();
            String msgId = kernel.execute("for i in range(400): print(i, flush=True)", false, false);
            listener.awaitShellReply(msgId, WAIT);
            int streamsBeforeReply = listener.iopubBeforeReply.get(listener.iopubBeforeReply.size() - 1) - before;
            listener.awaitIdle(msgId, Duration.ofSeconds(30));

            List<KernelMessage> streams = listener.iopubFor(msgId).stream().filter(m -> m.msgType().equals("stream")).toList();
            assertThat(streams.stream().map(m -> m.content().path("text").asText()).collect(java.util.stream.Collectors.joining()))
                    .isEqualTo(java.util.stream.IntStream.range(0, 400).mapToObj(i -> i + "\n").collect(java.util.stream.Collectors.joining()));
            assertThat(streamsBeforeReply).as("iopub messages delivered before the reply").isLessThan(streams.size() / 2);
        }

        @Test
        void completeRequestIsAnsweredThroughItsFuture() throws Exception {
            ObjectNode content = Json.MAPPER.createObjectNode().put("code", "import o").put("cursor_pos", 8);

            KernelMessage reply = kernel.request("complete_request", content).get(5, TimeUnit.SECONDS);

            assertThat(reply.msgType()).isEqualTo("complete_reply");
            assertThat(reply.content().get("matches")).anySatisfy(m -> assertThat(m.asText()).isEqualTo("os"));
            assertThat(reply.content().get("cursor_start").asInt()).isEqualTo(7);
        }

        @Test
        void historyRequestIsAnsweredThroughItsFuture() throws Exception {
            String msgId = kernel.execute("x_for_history = 41", false, true);
            listener.awaitShellReply(msgId, WAIT);
            ObjectNode content = Json.MAPPER.createObjectNode().put("hist_access_type", "search")
                    .put("pattern", "*").put("unique", true).put("n", 10).put("output", false).put("raw", true);

            KernelMessage reply = kernel.request("history_request", content).get(5, TimeUnit.SECONDS);

            assertThat(reply.msgType()).isEqualTo("history_reply");
            assertThat(reply.content().get("history").toString()).contains("x_for_history = 41");
        }

        @Test
        void aClientMessageGoesOutWithItsOwnHeader() {
            String clientId = "client-" + UUID.randomUUID();
            ObjectNode message = Json.MAPPER.createObjectNode();
            message.putObject("header").put("msg_id", clientId).put("msg_type", "comm_info_request")
                    .put("session", "client-session").put("username", "frontend")
                    .put("date", "2026-01-01T00:00:00Z").put("version", "5.3");
            message.putObject("content");

            kernel.sendShell(message, List.of());
            KernelMessage reply = listener.awaitShellReply(clientId, WAIT);

            assertThat(reply.msgType()).isEqualTo("comm_info_reply");
            assertThat(reply.parentHeader().get("session").asText()).isEqualTo("client-session");
            assertThat(reply.parentHeader().get("username").asText()).isEqualTo("frontend");
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Interrupt {
        /**
         * A SIGINT that lands after execute_input but before the user's code runs is caught by
         * ipykernel's dispatcher ("KeyboardInterrupt caught in kernel"): no error output, no
         * execute_reply. So the tests interrupt only once the cell's own code has printed.
         */
        static final String SLEEP_IN_USER_CODE = "import time\nprint('sleeping', flush=True)\ntime.sleep(600)";

        private void awaitUserCode(String msgId) {
            listener.awaitIopub(msgId, m -> m.msgType().equals("stream")
                    && m.content().path("text").asText().contains("sleeping"), WAIT);
        }

        @Test
        void interruptStopsALongSleepAndTheKernelLivesOn() throws Exception {
            String msgId = kernel.execute(SLEEP_IN_USER_CODE, false, true);
            awaitUserCode(msgId);

            assertThat(kernel.interrupt().get(5, TimeUnit.SECONDS)).as("SIGINT was needed").isFalse();

            KernelMessage error = listener.awaitIopub(msgId, m -> m.msgType().equals("error"), WAIT);
            assertThat(error.content().get("ename").asText()).isEqualTo("KeyboardInterrupt");
            listener.awaitIdle(msgId, WAIT);
            String after = kernel.execute("40+2", false, true);
            KernelMessage result = listener.awaitIopub(after, m -> m.msgType().equals("execute_result"), WAIT);
            assertThat(result.content().path("data").path("text/plain").asText()).isEqualTo("42");
            assertThat(kernel.isAlive()).isTrue();
            assertThat(listener.deaths).isEmpty();
        }

        @Test
        void withoutAnInterruptReplyTheProcessGroupGetsSigint() throws Exception {
            String deaf = kernel.execute("k = get_ipython().kernel\n"
                    + "k.control_handlers['interrupt_request'] = lambda *a, **kw: None", false, false);
            listener.awaitShellReply(deaf, WAIT);
            try {
                String msgId = kernel.execute(SLEEP_IN_USER_CODE, false, true);
                awaitUserCode(msgId);

                assertThat(kernel.interrupt().get(5, TimeUnit.SECONDS)).as("SIGINT was needed").isTrue();

                KernelMessage error = listener.awaitIopub(msgId, m -> m.msgType().equals("error"), WAIT);
                assertThat(error.content().get("ename").asText()).isEqualTo("KeyboardInterrupt");
                listener.awaitIdle(msgId, WAIT);
            } finally {
                String hear = kernel.execute("k.control_handlers['interrupt_request'] = k.interrupt_request",
                        false, false);
                listener.awaitShellReply(hear, WAIT);
            }
            assertThat(kernel.isAlive()).isTrue();
        }
    }
}
