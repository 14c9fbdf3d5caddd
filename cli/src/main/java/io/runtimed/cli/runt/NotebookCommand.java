package io.runtimed.cli.runt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.cli.CommandSpecs;
import io.runtimed.client.DaemonClientException;
import io.runtimed.client.NotebookClient;
import io.runtimed.client.NotebookKernel;
import io.runtimed.client.OutputResolver;
import io.runtimed.client.PoolClient;
import io.runtimed.paths.NotebookDocFiles;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.NotebookRequest;
import io.runtimed.protocol.NotebookResponse;
import io.runtimed.protocol.RoomInfo;
import io.runtimed.sync.DocumentDecodeException;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.sync.notebook.NotebookDoc;
import io.runtimed.sync.notebook.NotebookSnapshot;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.automerge.Document;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code runt notebook …}: the notebook rooms of the running daemon (NOTEBOOK.md §5). {@code show}
 * reads a notebook from its room (joining it without editing) or, when no daemon runs, from its
 * file; {@code list} asks the daemon for its open rooms ({@code list_rooms}, KERNELS.md §11.1).
 */
final class NotebookCommand {
    private final CommandSpec spec;

    private NotebookCommand(CommandSpec spec) {
        this.spec = spec;
    }

    /** The {@code notebook} command and its subcommands (help lists them in this order). */
    static CommandSpec spec() {
        CommandSpec spec = CommandSpecs.group("notebook", "Show notebooks and the rooms the daemon has open.");
        NotebookCommand notebook = new NotebookCommand(spec);
        OptionSpec listJson = CommandSpecs.flag("--json", "print JSON");
        CommandSpecs.addSubcommand(spec, CommandSpecs.command("list", () -> notebook.list(CommandSpecs.isSet(listJson)),
                "List the open notebook rooms, their peers and their kernels.").addOption(listJson));
        PositionalParamSpec openPath = PositionalParamSpec.builder().arity("1").required(true).paramLabel("PATH").type(Path.class)
                .description("the notebook file").build();
        CommandSpecs.addSubcommand(spec, CommandSpecs.command("open", () -> notebook.open(openPath.getValue()),
                "Open a .ipynb file in the daemon (its room loads the file) and print the notebook id.")
                .addPositional(openPath));
        PositionalParamSpec saveId = PositionalParamSpec.builder().arity("1").required(true).paramLabel("ID").type(String.class)
                .description("the notebook id: the file's absolute path").build();
        OptionSpec force = CommandSpecs.flag("--force",
                "write even over a file that is not a notebook, or empty a file that has cells");
        CommandSpecs.addSubcommand(spec, CommandSpecs.command("save",
                () -> notebook.save(saveId.getValue(), CommandSpecs.isSet(force)),
                "Write a notebook's room to its .ipynb file (KERNELS.md §9.1).").addPositional(saveId).addOption(force));
        PositionalParamSpec showId = PositionalParamSpec.builder().arity("1").required(true).paramLabel("ID").type(String.class)
                .description("the notebook id (usually its path)").build();
        OptionSpec showJson = CommandSpecs.flag("--json", "print JSON");
        CommandSpecs.addSubcommand(spec, CommandSpecs.command("show",
                () -> notebook.show(showId.getValue(), CommandSpecs.isSet(showJson)),
                "Print a notebook's cells: from the daemon's room, or from disk when no daemon runs.")
                .addPositional(showId).addOption(showJson));
        return spec;
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }

    int show(String id, boolean json) {
        RuntPaths paths = RuntPaths.current();
        NotebookSnapshot snapshot;
        PoolClient pool = PoolClient.forDefaultSocket();
        boolean daemon;
        try {
            pool.ping();
            daemon = true;
        } catch (DaemonClientException e) {
            daemon = false;
        }
        if (daemon) {
            try (NotebookClient client = NotebookClient.join(id)) {
                snapshot = client.snapshot();
                if (!json) {
                    printHuman(snapshot, client.outputResolver());
                    return 0;
                }
            } catch (DaemonClientException e) {
                err().println("Failed to read notebook: " + e.getMessage());
                return 1;
            }
        } else {
            Path file = NotebookDocFiles.fileFor(paths.notebookDocsDir(), id);
            try {
                Document doc = NativeHandles.load(Files.readAllBytes(file));
                try {
                    snapshot = NotebookDoc.snapshot(doc);
                } finally {
                    NativeHandles.free(doc);
                }
            } catch (NoSuchFileException e) {
                err().println("Notebook not found: " + id + " (no daemon runs and " + file + " does not exist)");
                return 1;
            } catch (DocumentDecodeException e) {
                err().println("Notebook file is not readable: " + file + ": " + e.getMessage());
                return 1;
            } catch (IOException e) {
                err().println("Failed to read " + file + ": " + e.getMessage());
                return 1;
            }
        }
        if (json) {
            out().println(Json.pretty(NotebookDoc.toJson(snapshot)));
        } else {
            printHuman(snapshot, null);
        }
        return 0;
    }

    /** The cells with their sources, and their outputs as text when {@code outputs} can resolve them. */
    private void printHuman(NotebookSnapshot s, OutputResolver outputs) {
        PrintWriter out = out();
        out.println("notebook " + s.notebookId() + " (" + s.cells().size() + " cells, runtime "
                + s.metadata().getOrDefault("runtime", "?") + ")");
        int i = 0;
        for (NotebookCell c : s.cells()) {
            out.println();
            out.println("[" + i++ + "] " + c.cellType() + " " + c.id()
                    + ("null".equals(c.executionCount()) ? "" : " (execution " + c.executionCount() + ")")
                    + (c.outputs().isEmpty() ? "" : ", " + c.outputs().size() + " outputs"));
            for (String line : c.source().split("\n", -1)) {
                out.println("    " + line);
            }
            if (outputs != null) {
                for (String ref : c.outputs()) {
                    for (String line : outputText(outputs, ref).split("\n", -1)) {
                        out.println("  | " + line);
                    }
                }
            }
        }
        out.flush();
    }

    /**
     * One output as text: a stream's text, a result's or display's {@code text/plain} (else its media
     * types in brackets: an image, HTML), an error's name and value.
     */
    static String outputText(OutputResolver outputs, String ref) {
        ObjectNode o;
        try {
            o = outputs.resolve(ref);
        } catch (DaemonClientException e) {
            return "[output could not be resolved: " + e.getMessage() + "]";
        }
        String text = switch (o.path("output_type").asText()) {
            case "stream" -> OutputPrinter.multiline(o.path("text"));
            case "execute_result", "display_data" -> OutputPrinter.plainText(o.path("data"));
            case "error" -> o.path("ename").asText() + ": " + o.path("evalue").asText();
            default -> "[" + o.path("output_type").asText() + "]";
        };
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }

    int open(Path path) {
        String id = path.toAbsolutePath().normalize().toString();
        if (!Files.isRegularFile(Path.of(id))) {
            err().println("No such notebook file: " + id);
            return 1;
        }
        try (NotebookClient client = NotebookClient.join(id)) {
            Optional<String> problem = client.getMetadata("load_error");
            if (problem.isPresent()) {
                err().println("Failed to open notebook: " + problem.get());
                return 1;
            }
            out().println(id);
            out().flush();
            return 0;
        } catch (DaemonClientException e) {
            err().println(e.kind() == DaemonClientException.Kind.NOT_REACHABLE
                    ? "Daemon not running: " + e.getMessage()
                    : "Failed to open notebook " + id + ": " + e.getMessage());
            return 1;
        }
    }

    int save(String id, boolean force) {
        try (NotebookClient client = KernelRooms.join(id, err())) {
            if (client == null) {
                return 1;
            }
            NotebookResponse r = client.kernel().request(new NotebookRequest.SaveNotebook(false, force ? Boolean.TRUE : null),
                    NotebookKernel.REQUEST_TIMEOUT);
            if (r instanceof NotebookResponse.NotebookSaved) {
                out().println("Saved " + id);
                out().flush();
                return 0;
            }
            err().println(KernelRooms.failure(r));
            return 1;
        } catch (DaemonClientException e) {
            err().println("Failed to save notebook: " + e.getMessage());
            return 1;
        }
    }

    int list(boolean json) {
        List<RoomInfo> rooms;
        try {
            rooms = PoolClient.forDefaultSocket().listRooms();
        } catch (DaemonClientException e) {
            err().println(e.kind() == DaemonClientException.Kind.NOT_REACHABLE
                    ? "Daemon not running: " + e.getMessage()
                    : "Failed to list rooms: " + e.getMessage());
            return 1;
        }
        if (json) {
            out().println(Json.pretty(rooms));
        } else if (rooms.isEmpty()) {
            out().println("No open notebooks");
        } else {
            List<String> kernels = rooms.stream().map(NotebookCommand::kernelColumn).toList();
            int width = Math.max("KERNEL".length(), kernels.stream().mapToInt(String::length).max().orElse(0));
            out().printf("PEERS  %-" + width + "s  NOTEBOOK%n", "KERNEL");
            for (int i = 0; i < rooms.size(); i++) {
                out().printf("%5d  %-" + width + "s  %s%n", rooms.get(i).activePeers(), kernels.get(i), rooms.get(i).notebookId());
            }
        }
        out().flush();
        return 0;
    }

    /** KERNELS.md §11.1: {@code python idle (uv:prewarmed)}; {@code -} without a kernel. */
    static String kernelColumn(RoomInfo r) {
        if (!r.hasKernel()) {
            return "-";
        }
        String type = r.kernelType() == null ? "kernel" : r.kernelType();
        String status = r.kernelStatus() == null ? "" : " " + r.kernelStatus();
        String source = r.envSource() == null ? "" : " (" + r.envSource() + ")";
        return type + status + source;
    }
}
