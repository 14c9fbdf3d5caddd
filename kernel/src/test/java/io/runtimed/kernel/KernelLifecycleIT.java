package io.runtimed.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.runtimed.protocol.Json;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Each test owns a fresh kernel: these end it. */
class KernelLifecycleIT {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private KernelFixture fixture;
    private RecordingListener listener;
    private RunningKernel kernel;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new KernelFixture();
        listener = new RecordingListener();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (kernel != null) {
            kernel.shutdown();
        }
        fixture.close();
    }

    private static boolean groupGone(long pgid) {
        return !new ProcessGroup(pgid).exists();
    }

    private List<Path> registryEntries() throws Exception {
        if (!Files.isDirectory(fixture.registry.directory())) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(fixture.registry.directory())) {
            return files.filter(p -> p.toString().endsWith(".json")).toList();
        }
    }

    private List<Path> connectionFiles() throws Exception {
        if (!Files.isDirectory(fixture.connectionDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(fixture.connectionDir)) {
            return files.toList();
        }
    }

    @Nested
    class Death {
        @Test
        void aKernelThatExitsIsReportedOnceAndCleanedUp() throws Exception {
            kernel = fixture.launch(listener);
            Path connectionFile = kernel.connectionFile();
            CompletableFuture<KernelMessage> unanswered = kernel.request("complete_request",
                    Json.MAPPER.createObjectNode().put("code", "import o").put("cursor_pos", 8));
            unanswered.get(5, TimeUnit.SECONDS);

            kernel.execute("import os; os._exit(1)", false, true);

            await().atMost(Duration.ofSeconds(5)).until(() -> !listener.deaths.isEmpty());
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                    .until(() -> listener.deaths.size() == 1);
            assertThat(listener.deaths).containsExactly("kernel process exited with code 1");
            assertThat(kernel.isAlive()).isFalse();
            assertThat(connectionFile).doesNotExist();
            assertThat(fixture.registry.read(kernel.id())).isEmpty();
            assertThatThrownBy(() -> kernel.execute("1", false, false)).isInstanceOf(KernelGoneException.class);
            assertThat(kernel.request("complete_request", Json.MAPPER.createObjectNode()))
                    .failsWithin(Duration.ofSeconds(1)).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(KernelGoneException.class);
            kernel.shutdown(); // idempotent after a death, and no second report
            assertThat(listener.deaths).hasSize(1);
        }

        @Test
        void aKernelThatStopsAnsweringHeartbeatsIsDeclaredDeadAndKilled() throws Exception {
            kernel = fixture.launch(listener);
            long pgid = kernel.pid();

            // SIGSTOP: the process lives on but answers nothing, as a wedged kernel would
            new ProcessGroup(pgid).signal(19);

            await().atMost(Duration.ofSeconds(8)).until(() -> !listener.deaths.isEmpty());
            assertThat(listener.deaths).singleElement().asString().startsWith("kernel stopped answering heartbeats");
            await().atMost(WAIT).until(() -> groupGone(pgid));
            assertThat(kernel.connectionFile()).doesNotExist();
            assertThat(fixture.registry.read(kernel.id())).isEmpty();
        }
    }

    @Nested
    class Shutdown {
        @Test
        void shutdownLeavesNoProcessFileOrEntryAndReportsNoDeath() throws Exception {
            kernel = fixture.launch(listener);
            long pgid = kernel.pid();
            Path connectionFile = kernel.connectionFile();
            long start = System.nanoTime();

            kernel.shutdown();

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
            assertThat(groupGone(pgid)).isTrue();
            assertThat(ProcessHandle.of(pgid).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
            assertThat(connectionFile).doesNotExist();
            assertThat(registryEntries()).isEmpty();
            kernel.shutdown();
            kernel.close();
            assertThat(listener.deaths).isEmpty();
        }

        @Test
        void aKernelIgnoringShutdownRequestAndSigtermIsKilled() throws Exception {
            kernel = fixture.launch(listener);
            long pgid = kernel.pid();
            String msgId = kernel.execute(String.join("\n",
                    "import signal",
                    "signal.signal(signal.SIGTERM, signal.SIG_IGN)",
                    "k = get_ipython().kernel",
                    "k.control_handlers['shutdown_request'] = lambda *a, **kw: None",
                    "k.shell_handlers['shutdown_request'] = lambda *a, **kw: None"), false, true);
            assertThat(listener.awaitShellReply(msgId, WAIT).content().get("status").asText()).isEqualTo("ok");
            long start = System.nanoTime();

            kernel.shutdown();

            // 3 s for the ignored request, 2 s for the ignored SIGTERM, then SIGKILL
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(4500));
            assertThat(groupGone(pgid)).isTrue();
            assertThat(registryEntries()).isEmpty();
            assertThat(connectionFiles()).isEmpty();
            assertThat(listener.deaths).isEmpty();
        }
    }

    @Nested
    class Orphans {
        @Test
        void reapOrphansKillsAKernelWhoseDaemonDied() throws Exception {
            kernel = fixture.launch(listener);
            long pgid = kernel.pid();
            Path connectionFile = kernel.connectionFile();
            kernel.abandon();
            kernel = null;
            assertThat(ProcessHandle.of(pgid).map(ProcessHandle::isAlive)).contains(true);

            int killed = new KernelRegistry(fixture.base).reapOrphans();

            assertThat(killed).isEqualTo(1);
            await().atMost(WAIT).until(() -> groupGone(pgid));
            assertThat(connectionFile).doesNotExist();
            assertThat(registryEntries()).isEmpty();
        }

        @Test
        void reapOrphansLeavesAloneAPidThatNowRunsAnotherProgram() throws Exception {
            Process sleeper = new ProcessBuilder("sleep", "60").start();
            try {
                fixture.registry.record("reused", new RegistryEntry(sleeper.pid(), sleeper.pid(),
                        fixture.base.resolve("gone.json").toString(), "nb", "/usr/bin/python3"));
                fixture.registry.record("dead", new RegistryEntry(Integer.MAX_VALUE - 1, Integer.MAX_VALUE - 1,
                        fixture.base.resolve("gone2.json").toString(), "nb", "/usr/bin/python3"));

                int killed = new KernelRegistry(fixture.base).reapOrphans();

                assertThat(killed).isZero();
                assertThat(sleeper.isAlive()).isTrue();
                assertThat(registryEntries()).isEmpty();
            } finally {
                sleeper.destroyForcibly();
            }
        }
    }

    @Nested
    class FailedLaunch {
        private KernelSpec script(String code) {
            return new KernelSpec(List.of(KernelFixture.PYTHON.toString(), "-c", code), "python3", fixture.base,
                    Map.of(), null);
        }

        @Test
        void aKernelThatExitsAtOnceFailsTheLaunchAndLeavesNothing() throws Exception {
            assertThatThrownBy(() -> fixture.launcher.launch("k1", script("import sys; print('boom'); sys.exit(3)"),
                    "nb", listener, Duration.ofSeconds(10)))
                    .isInstanceOf(KernelLaunchException.class)
                    .hasMessage("Kernel did not respond: kernel process exited with code 3: boom");

            assertThat(connectionFiles()).isEmpty();
            assertThat(registryEntries()).isEmpty();
            assertThat(fixture.registry.logFile("k1")).content().contains("boom");
        }

        @Test
        void aKernelThatNeverAnswersTimesOutAndIsKilled() throws Exception {
            String code = "import os, time; print(os.getpid(), flush=True); time.sleep(60)";

            assertThatThrownBy(() -> fixture.launcher.launch("k2", script(code), "nb", listener, Duration.ofSeconds(1)))
                    .isInstanceOf(KernelLaunchException.class)
                    .hasMessageMatching("Kernel did not respond within 1s \\(still running\\): [0-9]+");

            long pid = Long.parseLong(Files.readString(fixture.registry.logFile("k2")).strip());
            assertThat(groupGone(pid)).isTrue();
            assertThat(connectionFiles()).isEmpty();
            assertThat(registryEntries()).isEmpty();
        }

        @Test
        void aPortTakenBeforeTheKernelBindsItIsRetriedOnceOnFreshPorts() throws Exception {
            try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                AtomicInteger calls = new AtomicInteger();
                KernelLauncher launcher = new KernelLauncher(fixture.connectionDir, fixture.registry, () -> {
                    int[] ports = ConnectionInfo.freePorts(5);
                    if (calls.getAndIncrement() == 0) {
                        ports[3] = taken.getLocalPort(); // shell
                    }
                    return ports;
                });

                kernel = launcher.launch("k3", fixture.ipykernel(), "nb", listener, KernelFixture.TIMEOUT);

                assertThat(calls).hasValue(2);
                assertThat(kernel.connectionInfo().shellPort()).isNotEqualTo(taken.getLocalPort());
                assertThat(fixture.registry.logFile("k3")).content().contains("Address already in use");
                assertThat(connectionFiles()).containsExactly(kernel.connectionFile());
            }
        }
    }
}
