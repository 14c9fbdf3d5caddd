package io.runtimed.cli.runt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.client.DaemonClientException;
import io.runtimed.client.NotebookClient;
import io.runtimed.client.NotebookKernel;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.NotebookResponse;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code runt kernel …}: the kernel of a notebook's room (KERNELS.md §2, §5). Each command joins
 * the room as a window for one request and leaves; like any window, joining may start the
 * daemon's auto-launch (§4.3), and the last window leaving starts the room's keep-alive (§4.4).
 */
@Command(name = "kernel", mixinStandardHelpOptions = true,
        description = "Show, launch, interrupt or shut down the kernel of a notebook's room.")
final class KernelCommand {
    @Spec
    CommandSpec spec;

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show the kernel (type, environment, status) and its execution queue.")
    int status(@Parameters(paramLabel = "ID", description = "the notebook id (usually its path)") String id,
               @Option(names = "--json", description = "print JSON") boolean json) {
        try (NotebookClient c = KernelRooms.join(id, err())) {
            if (c == null) {
                return 1;
            }
            NotebookResponse.KernelInfo info = c.kernel().kernelInfo();
            NotebookResponse.QueueState queue = c.kernel().queueState();
            if (json) {
                ObjectNode o = Json.MAPPER.createObjectNode();
                o.put("notebook_id", id);
                o.put("kernel_type", info.kernelType());
                o.put("env_source", info.envSource());
                o.put("status", info.status());
                o.put("executing", queue.executing());
                queue.queued().forEach(o.putArray("queued")::add);
                out().println(Json.pretty(o));
            } else {
                if (NotebookResponse.KernelInfo.NOT_STARTED.equals(info.status())) {
                    out().println("Kernel:    not started");
                } else {
                    out().println("Kernel:    " + KernelRooms.describe(info.kernelType(), info.envSource()));
                    out().println("Status:    " + info.status());
                }
                out().println("Executing: " + (queue.executing() == null ? "-" : queue.executing()));
                out().println("Queued:    " + (queue.queued().isEmpty() ? "-" : String.join(", ", queue.queued())));
            }
            out().flush();
            return 0;
        } catch (DaemonClientException e) {
            err().println("Failed to get kernel status: " + e.getMessage());
            return 1;
        }
    }

    @Command(name = "launch", mixinStandardHelpOptions = true,
            description = "Start the room's kernel (or report the one that runs).")
    int launch(@Parameters(paramLabel = "ID", description = "the notebook id (usually its path)") String id,
               @Option(names = "--kernel-type", defaultValue = "auto", paramLabel = "TYPE",
                       description = "python, deno or auto (from the notebook's metadata; default: ${DEFAULT-VALUE})")
               String kernelType,
               @Option(names = "--env-source", defaultValue = "auto", paramLabel = "SOURCE",
                       description = "where the kernel's environment comes from, e.g. uv:prewarmed, "
                               + "conda:prewarmed, uv:inline; auto decides from the notebook (default: ${DEFAULT-VALUE})")
               String envSource,
               @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS",
                       description = "how long to wait for the kernel; building an environment can take "
                               + "minutes (default: ${DEFAULT-VALUE})") long timeoutSeconds,
               @Option(names = "--json", description = "print the daemon's answer as JSON") boolean json) {
        try (NotebookClient c = KernelRooms.join(id, err())) {
            if (c == null) {
                return 1;
            }
            NotebookResponse r = c.kernel().launchKernel(kernelType, envSource, KernelRooms.notebookPath(id),
                    Duration.ofSeconds(timeoutSeconds));
            if (json) {
                out().println(Json.pretty(r));
                out().flush();
                return r instanceof NotebookResponse.KernelLaunched || r instanceof NotebookResponse.KernelAlreadyRunning
                        ? 0 : 1;
            }
            if (r instanceof NotebookResponse.KernelLaunched k) {
                out().println("Kernel launched: " + KernelRooms.describe(k.kernelType(), k.envSource()));
            } else if (r instanceof NotebookResponse.KernelAlreadyRunning k) {
                out().println("Kernel already running: " + KernelRooms.describe(k.kernelType(), k.envSource()));
            } else {
                err().println("Failed to launch kernel: " + KernelRooms.failure(r));
                return 1;
            }
            out().flush();
            return 0;
        } catch (DaemonClientException e) {
            err().println("Failed to launch kernel: " + e.getMessage());
            return 1;
        }
    }

    @Command(name = "interrupt", mixinStandardHelpOptions = true,
            description = "Interrupt the executing cell and empty the queue.")
    int interrupt(@Parameters(paramLabel = "ID", description = "the notebook id (usually its path)") String id) {
        return simple(id, NotebookKernel::interrupt, NotebookResponse.InterruptSent.class, "Interrupt sent",
                "Failed to interrupt");
    }

    @Command(name = "shutdown", mixinStandardHelpOptions = true,
            description = "Shut the kernel down (its variables are lost).")
    int shutdown(@Parameters(paramLabel = "ID", description = "the notebook id (usually its path)") String id) {
        return simple(id, NotebookKernel::shutdownKernel, NotebookResponse.KernelShuttingDown.class,
                "Kernel shutting down", "Failed to shut down kernel");
    }

    private interface Request {
        NotebookResponse send(NotebookKernel kernel) throws DaemonClientException;
    }

    /** One request whose good answer is {@code expected}; {@code no_kernel} and errors exit 1. */
    private int simple(String id, Request request, Class<? extends NotebookResponse> expected, String done,
                       String failed) {
        try (NotebookClient c = KernelRooms.join(id, err())) {
            if (c == null) {
                return 1;
            }
            NotebookResponse r = request.send(c.kernel());
            if (!expected.isInstance(r)) {
                err().println(failed + ": " + KernelRooms.failure(r));
                return 1;
            }
            out().println(done);
            out().flush();
            return 0;
        } catch (DaemonClientException e) {
            err().println(failed + ": " + e.getMessage());
            return 1;
        }
    }
}
