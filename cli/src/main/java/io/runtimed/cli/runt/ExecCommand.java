package io.runtimed.cli.runt;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.NotebookClient;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.protocol.NotebookResponse;
import io.runtimed.sync.notebook.NotebookCell;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code runt exec ID CODE}: runs code in a notebook's kernel the way a window does (KERNELS.md
 * §6.7): the code goes into a new code cell at the end (or {@code --cell} names an existing one),
 * a kernel is launched if none runs, then {@code clear_outputs} and {@code execute_cell}. The
 * cell's outputs are printed from the document as they arrive; the command returns once the
 * cell's {@code execution_done} came and its last output is in the replica.
 */
@Command(name = "exec", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run code in a notebook's kernel and print its outputs.",
                "",
                "Adds a code cell with CODE at the end of the notebook (or runs the existing cell --cell names), "
                        + "launches a kernel if none runs, and prints the outputs as they arrive: streams as text, "
                        + "results and displays as text/plain, errors as their traceback on stderr.",
                "",
                "Exit status: 0 when the cell ran without an error output, 1 on an error output or any failure."})
final class ExecCommand implements Callable<Integer> {
    /** How long the new cell may take to reach the daemon before the run would read an old source. */
    private static final Duration STORE_WAIT = Duration.ofSeconds(30);
    /** After execution_done: how long to wait for the last announced output to reach the replica. */
    private static final Duration SETTLE_WAIT = Duration.ofSeconds(10);
    /** How often a run with nothing happening checks that the connection still stands. */
    private static final Duration CONNECTION_CHECK = Duration.ofSeconds(1);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "the notebook id (usually its path)")
    String id;

    @Parameters(index = "1", arity = "0..1", paramLabel = "CODE",
            description = "the code to run; with --cell it replaces the cell's source, and may be left out")
    String code;

    @Option(names = "--cell", paramLabel = "CELL_ID", description = "run this existing code cell instead of adding one")
    String cellId;

    @Option(names = "--kernel-type", defaultValue = "auto", paramLabel = "TYPE",
            description = "when a kernel must be launched: python, deno or auto (default: ${DEFAULT-VALUE})")
    String kernelType;

    @Option(names = "--env-source", defaultValue = "auto", paramLabel = "SOURCE",
            description = "when a kernel must be launched: its environment (default: ${DEFAULT-VALUE})")
    String envSource;

    @Option(names = "--launch-timeout", defaultValue = "600", paramLabel = "SECONDS",
            description = "how long a launch may take, environment build included (default: ${DEFAULT-VALUE})")
    long launchTimeoutSeconds;

    @Option(names = "--timeout", defaultValue = "0", paramLabel = "SECONDS",
            description = "give up when the cell has not finished after this long (default: 0, wait for as long as it runs)")
    long timeoutSeconds;

    @Option(names = "--json", description = "print nothing while the cell runs, then its outputs as nbformat JSON")
    boolean json;

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public Integer call() {
        if (cellId == null && code == null) {
            err().println("Missing CODE: give the code to run, or --cell CELL_ID to run an existing cell");
            return 2;
        }
        try (NotebookClient c = KernelRooms.join(id, err())) {
            if (c == null) {
                return 1;
            }
            return run(c);
        } catch (DaemonClientException e) {
            err().println("Failed to run the cell: " + e.getMessage());
            return 1;
        }
    }

    private int run(NotebookClient c) throws DaemonClientException {
        Optional<String> cell = prepareCell(c);
        if (cell.isEmpty()) {
            return 1;
        }
        // execute_cell reads the source from the daemon's document (§2): it must be there first
        if (!c.awaitSynced(STORE_WAIT)) {
            err().println("Failed to run the cell: the daemon did not store it within " + STORE_WAIT.toSeconds() + " s");
            return 1;
        }
        Run run = new Run(cell.get());
        try (AutoCloseable b = c.addBroadcastListener(run::onBroadcast); AutoCloseable s = c.subscribe(x -> run.wake())) {
            NotebookResponse.KernelInfo info = c.kernel().kernelInfo();
            if (NotebookResponse.KernelInfo.NOT_STARTED.equals(info.status()) && !launch(c)) {
                return 1;
            }
            NotebookResponse cleared = c.kernel().clearOutputs(run.cell);
            if (!(cleared instanceof NotebookResponse.OutputsCleared)) {
                err().println("Failed to clear outputs: " + KernelRooms.failure(cleared));
                return 1;
            }
            NotebookResponse queued = c.kernel().executeCell(run.cell);
            if (queued instanceof NotebookResponse.NoKernel) {
                // the kernel went away between the status and the request (or an auto-launch failed)
                if (!launch(c)) {
                    return 1;
                }
                queued = c.kernel().executeCell(run.cell);
            }
            if (!(queued instanceof NotebookResponse.CellQueued)) {
                err().println("Failed to execute cell: " + KernelRooms.failure(queued));
                return 1;
            }
            return follow(c, run);
        } catch (DaemonClientException e) {
            throw e;
        } catch (Exception e) {
            // only the listeners' close can throw anything else, and they do not
            throw new IllegalStateException(e);
        }
    }

    /** The cell to run: a new one holding {@code code} at the end, or {@code --cell}'s. */
    private Optional<String> prepareCell(NotebookClient c) throws DaemonClientException {
        if (cellId != null) {
            Optional<NotebookCell> cell = c.getCell(cellId);
            if (cell.isEmpty()) {
                err().println("Cell not found in notebook " + id + ": " + cellId);
                return Optional.empty();
            }
            if (!"code".equals(cell.get().cellType())) {
                err().println("Cannot execute non-code cell: " + cellId + " (type: " + cell.get().cellType() + ")");
                return Optional.empty();
            }
            if (code != null) {
                c.updateSource(cellId, code);
            }
            return Optional.of(cellId);
        }
        String newId = UUID.randomUUID().toString();
        c.addCell(c.getCells().size(), newId, "code");
        c.updateSource(newId, code);
        return Optional.of(newId);
    }

    private boolean launch(NotebookClient c) throws DaemonClientException {
        if (System.console() != null) {
            err().println("Launching a kernel for " + id + "…");
        }
        NotebookResponse r = c.kernel().launchKernel(kernelType, envSource, KernelRooms.notebookPath(id),
                Duration.ofSeconds(launchTimeoutSeconds));
        if (r instanceof NotebookResponse.KernelLaunched || r instanceof NotebookResponse.KernelAlreadyRunning) {
            return true;
        }
        err().println("Failed to launch kernel: " + KernelRooms.failure(r));
        return false;
    }

    /** Prints the outputs until the cell is done and its last output is in the replica. */
    private int follow(NotebookClient c, Run run) throws DaemonClientException {
        boolean terminal = System.console() != null;
        OutputPrinter printer = new OutputPrinter(c.outputResolver(), out(), err(), terminal);
        long deadline = timeoutSeconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds) : Long.MAX_VALUE;
        while (!run.done) {
            if (!c.isConnected()) {
                printer.finish();
                err().println("Disconnected from the daemon before the cell finished");
                return 1;
            }
            if (!json) {
                printer.render(outputs(c, run.cell), run.announced);
            }
            if (!run.awaitWake(deadline)) {
                printer.finish();
                err().println("Timed out: the cell was still running after " + timeoutSeconds + " s");
                return 1;
            }
        }
        // §6.7: broadcasts and sync messages travel separately; the outputs may still be on their way
        long settle = System.nanoTime() + SETTLE_WAIT.toNanos();
        while (!run.settled(outputs(c, run.cell)) && c.isConnected() && run.awaitWake(settle)) {
            if (!json) {
                printer.render(outputs(c, run.cell), run.announced);
            }
        }
        boolean error = run.errorAnnounced;
        if (json) {
            List<com.fasterxml.jackson.databind.node.ObjectNode> all = c.outputResolver().resolveAll(outputs(c, run.cell));
            error |= all.stream().anyMatch(o -> "error".equals(o.path("output_type").asText()));
            out().println(Json.pretty(all));
            out().flush();
        } else {
            printer.render(outputs(c, run.cell), run.announced);
            printer.finish();
            error |= printer.sawError();
        }
        if (run.kernelStopped) {
            err().println("The kernel stopped before the cell finished");
            return 1;
        }
        return error ? 1 : 0;
    }

    /** The cell's outputs; empty if someone deleted the cell meanwhile. */
    private static List<String> outputs(NotebookClient c, String cell) {
        return c.getCell(cell).map(NotebookCell::outputs).orElse(List.of());
    }

    /** What the room's broadcasts said about this run, filled on the client's broadcast thread. */
    private static final class Run {
        final String cell;
        final Set<String> announced = ConcurrentHashMap.newKeySet();
        private final BlockingQueue<Boolean> wakes = new LinkedBlockingQueue<>();
        volatile boolean done;
        volatile boolean kernelStopped;
        volatile boolean errorAnnounced;
        /** The last output announced for the cell, until a display update or clear supersedes it. */
        private volatile String lastOutput;

        Run(String cell) {
            this.cell = cell;
        }

        void onBroadcast(NotebookBroadcast b) {
            if (b instanceof NotebookBroadcast.Output o && o.cellId().equals(cell)) {
                announced.add(o.outputJson());
                lastOutput = o.outputJson();
                if ("error".equals(o.outputType())) {
                    errorAnnounced = true;
                }
            } else if (b instanceof NotebookBroadcast.DisplayUpdate) {
                lastOutput = null; // the announced ref may have been replaced in the document
            } else if (b instanceof NotebookBroadcast.OutputsCleared oc && oc.cellId().equals(cell)) {
                lastOutput = null;
            } else if (b instanceof NotebookBroadcast.ExecutionDone d && d.cellId().equals(cell)) {
                done = true;
            } else if (b instanceof NotebookBroadcast.KernelStatus k && "shutdown".equals(k.status())) {
                // §5.9 (ours): a dead kernel is reported as shutdown; the cell will not finish
                kernelStopped = true;
                done = true;
            }
            wake();
        }

        void wake() {
            wakes.offer(Boolean.TRUE);
        }

        boolean settled(List<String> outputs) {
            String last = lastOutput;
            return last == null || outputs.contains(last);
        }

        /**
         * Waits for the next broadcast or document change, or at most a second (so the caller
         * notices a broken connection, which wakes nobody); false once {@code deadline} passed.
         */
        boolean awaitWake(long deadline) {
            long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                wakes.poll(Math.min(left, CONNECTION_CHECK.toNanos()), TimeUnit.NANOSECONDS);
                wakes.clear();
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
