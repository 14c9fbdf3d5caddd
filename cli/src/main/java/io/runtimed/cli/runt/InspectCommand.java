package io.runtimed.cli.runt;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.PoolClient;
import io.runtimed.protocol.CellSnapshot;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.NotebookKernelInfo;
import io.runtimed.protocol.PoolResponse;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code runt inspect ID} (KERNELS.md §11.5): the daemon's {@code inspect_notebook} answer (§11.1), a
 * notebook's cells and kernel from its live room or its persisted file, without joining the room
 * (unlike {@code runt notebook show}, which opens one when there is none). {@code --json} prints the
 * answer as the daemon sent it.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Print a notebook's cells and kernel as the daemon has them (live room or persisted file).")
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "the notebook id (usually its path)")
    String id;

    @Option(names = "--json", description = "print the daemon's notebook_state answer as JSON")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PoolResponse.NotebookState state;
        try {
            state = PoolClient.forDefaultSocket().inspectNotebook(id);
        } catch (DaemonClientException e) {
            err.println(e.kind() == DaemonClientException.Kind.NOT_REACHABLE
                    ? "Daemon not running: " + e.getMessage()
                    : "Failed to inspect notebook: " + e.getMessage());
            err.flush();
            return 1;
        }
        if (json) {
            out.println(Json.pretty(state));
        } else {
            out.print(human(state));
        }
        out.flush();
        return 0;
    }

    /** The human form: a header line (source, kernel), then each cell as {@code runt notebook show} prints it. */
    static String human(PoolResponse.NotebookState s) {
        StringBuilder b = new StringBuilder();
        b.append("notebook ").append(s.notebookId()).append(" (").append(s.cells().size()).append(" cells, ")
                .append(s.source() == PoolResponse.NotebookState.Source.LIVE_ROOM ? "live room" : "persisted file")
                .append(")\n");
        NotebookKernelInfo k = s.kernelInfo();
        b.append("kernel: ").append(k == null ? "none"
                : (k.kernelType() == null ? "kernel" : k.kernelType()) + " " + k.status()
                        + (k.envSource() == null ? "" : " (" + k.envSource() + ")")).append('\n');
        int i = 0;
        for (CellSnapshot c : s.cells()) {
            b.append('\n').append('[').append(i++).append("] ").append(c.cellType()).append(' ').append(c.id())
                    .append("null".equals(c.executionCount()) ? "" : " (execution " + c.executionCount() + ")")
                    .append(c.outputs().isEmpty() ? "" : ", " + c.outputs().size() + " outputs").append('\n');
            for (String line : c.source().split("\n", -1)) {
                b.append("    ").append(line).append('\n');
            }
        }
        return b.toString();
    }
}
