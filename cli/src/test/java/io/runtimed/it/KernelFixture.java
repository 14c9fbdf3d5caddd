package io.runtimed.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.client.DaemonClientException;
import io.runtimed.client.NotebookClient;
import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.protocol.NotebookResponse;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RuntHome;
import io.runtimed.testkit.SystemPackages;
import io.runtimed.tools.StandIns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * What the kernel ITs share: a daemon whose uv pool holds real venvs (Debian's python3 with
 * {@code --system-site-packages}, so ipykernel and ipywidgets import offline), windows that record
 * the room's broadcasts, and the kernel processes of a home.
 */
final class KernelFixture {
    /** A pool build (venv with system site packages) and a kernel start, on a loaded machine. */
    static final Duration BUILD = Duration.ofSeconds(120);
    static final Duration WAIT = Duration.ofSeconds(30);
    /** The room keep-alive the ITs run with (KERNELS.md §4.4 says 30 s; too slow for the suite). */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(3);

    private KernelFixture() {
    }

    /** {@code --kernel-keep-alive-ms}: how long a room keeps its kernel after its last window left. */
    static DaemonProcess.Builder keepAlive(DaemonProcess.Builder builder, Duration keepAlive) {
        return builder.kernelKeepAlive(keepAlive);
    }

    /**
     * A daemon whose uv pool of {@code poolSize} is built by the stand-in uv (a real venv of
     * /usr/bin/python3 with {@code --system-site-packages}, so ipykernel and ipywidgets import
     * offline; pip's minutes of resolving are left out), keeps kernel connection files inside the
     * home, and evicts rooms after {@link #KEEP_ALIVE}.
     */
    static DaemonProcess.Builder daemon(RuntHome home, int poolSize) {
        SystemPackages.requirePythonVenv();
        SystemPackages.requireIpykernelAndIpywidgets();
        Path uv;
        try {
            uv = new StandIns(home.root().resolve("tools")).uv();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        DaemonProcess.Builder b = DaemonProcess.in(home).uvPoolSize(poolSize).buildEnvironments()
                .env("PATH", "/usr/bin:/bin")
                .env("JUPYTER_RUNTIME_DIR", home.root().resolve("jupyter-runtime").toString())
                .args("--uv", uv.toString());
        return keepAlive(b, KEEP_ALIVE);
    }

    /** Waits until the uv pool has an environment to launch a kernel from. */
    static void awaitPool(DaemonProcess d) throws DaemonClientException {
        await("a uv environment in the pool").atMost(BUILD)
                .until(() -> d.client().status().uvAvailable() >= 1 || d.client().status().uvError() != null);
        assertThat(d.client().status().uvError()).as("uv pool build error").isNull();
    }

    /** Launches the room's kernel from the pool and checks the answer. */
    static NotebookResponse launch(Window w) throws DaemonClientException {
        NotebookResponse r = w.client.kernel().launchKernel("auto", "auto", null, BUILD);
        assertThat(r).as(() -> "launch_kernel; the daemon's log ends with\n" + logTail(w.daemon, 40)).isInstanceOfAny(NotebookResponse.KernelLaunched.class,
                NotebookResponse.KernelAlreadyRunning.class);
        return r;
    }

    /** The last {@code n} lines of the daemon's log (kept in the home, which the test deletes). */
    static String logTail(DaemonProcess d, int n) {
        List<String> lines = d.logLines();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    /** One notebook window: a v2 client and every broadcast it heard, in order. */
    static final class Window implements AutoCloseable {
        final NotebookClient client;
        final List<NotebookBroadcast> heard = new CopyOnWriteArrayList<>();
        /** The daemon it joined, whose log a failed assertion shows. */
        final DaemonProcess daemon;

        Window(NotebookClient client, DaemonProcess daemon) {
            this.client = client;
            this.daemon = daemon;
            client.addBroadcastListener(heard::add);
        }

        static Window join(DaemonProcess d, String notebookId) throws DaemonClientException {
            return new Window(NotebookClient.join(d.socket(), notebookId), d);
        }

        /** Adds a code cell with {@code code} at the end and waits until the daemon stored it. */
        String addCode(String code) throws DaemonClientException {
            String id = "cell-" + UUID.randomUUID();
            client.addCell(client.getCells().size(), id, "code");
            client.updateSource(id, code);
            assertThat(client.awaitSynced(WAIT)).as("cell stored").isTrue();
            return id;
        }

        /** What the app does to run a cell (§6.7): clear_outputs, then execute_cell. */
        void execute(String cell) throws DaemonClientException {
            assertThat(client.kernel().clearOutputs(cell)).isEqualTo(new NotebookResponse.OutputsCleared(cell));
            assertThat(client.kernel().executeCell(cell)).isEqualTo(new NotebookResponse.CellQueued(cell));
        }

        /** Adds and runs {@code code}, and waits for its execution_done and its outputs in the document. */
        String run(String code) throws DaemonClientException {
            String cell = addCode(code);
            execute(cell);
            awaitDone(cell, BUILD);
            awaitOutputsSettled(cell);
            return cell;
        }

        void awaitDone(String cell, Duration timeout) {
            await("execution_done for " + cell).atMost(timeout)
                    .until(() -> heard.contains(new NotebookBroadcast.ExecutionDone(cell)));
        }

        /** The last announced output of the cell has reached this replica (frames of both kinds race, §6.7). */
        void awaitOutputsSettled(String cell) {
            Optional<String> last = outputBroadcasts(cell).stream().reduce((a, b) -> b).map(NotebookBroadcast.Output::outputJson);
            last.ifPresent(ref -> await("output " + ref + " in the document").atMost(WAIT)
                    .until(() -> heard.stream().anyMatch(b -> b instanceof NotebookBroadcast.DisplayUpdate)
                            || client.outputs(cell).contains(ref)));
        }

        List<NotebookBroadcast.Output> outputBroadcasts(String cell) {
            return heard.stream().filter(NotebookBroadcast.Output.class::isInstance).map(NotebookBroadcast.Output.class::cast)
                    .filter(o -> o.cellId().equals(cell)).collect(Collectors.toList());
        }

        List<ObjectNode> outputs(String cell) throws DaemonClientException {
            return client.resolvedOutputs(cell);
        }

        @Override
        public void close() {
            client.close();
        }
    }

    /** nbformat's validation errors for a file (Debian's python3-nbformat): empty when it is valid. */
    static String validatesWithNbformat(java.nio.file.Path file) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3", "-c",
                "import sys, nbformat\ntry:\n    nbformat.validate(nbformat.read(sys.argv[1], as_version=4))\n"
                        + "except Exception as e:\n    print(type(e).__name__, e)", file.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return out.strip();
    }

    /** The text of a resolved output's {@code text/plain} (a string or a list of lines). */
    static String plain(ObjectNode output) {
        var p = output.path("data").path("text/plain");
        if (p.isArray()) {
            StringBuilder b = new StringBuilder();
            p.forEach(l -> b.append(l.asText()));
            return b.toString();
        }
        return p.asText();
    }

    /**
     * Live kernel processes started for {@code home}: ipykernel launchers whose command line names
     * the home's directory (its venv's python, or its connection file).
     */
    static List<ProcessHandle> kernelProcesses(RuntHome home) {
        String root = home.root().toString();
        return ProcessHandle.allProcesses().filter(p -> {
            String cmd = commandLine(p.pid());
            return cmd.contains("ipykernel_launcher") && cmd.contains(root);
        }).collect(Collectors.toList());
    }

    private static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (IOException | SecurityException e) {
            return "";
        }
    }
}
