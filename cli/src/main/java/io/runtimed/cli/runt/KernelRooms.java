package io.runtimed.cli.runt;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.NotebookClient;
import io.runtimed.protocol.NotebookResponse;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * What {@code runt kernel} and {@code runt exec} share: joining a notebook's room as a window that
 * can send kernel requests (KERNELS.md §1), and the one-line wording of failures.
 */
final class KernelRooms {
    private KernelRooms() {
    }

    /**
     * Joins {@code id}'s room on the default socket with typed frames; null after printing why not
     * (no daemon, or a daemon without kernel requests).
     */
    static NotebookClient join(String id, PrintWriter err) {
        NotebookClient c;
        try {
            c = NotebookClient.join(id);
        } catch (DaemonClientException e) {
            err.println(e.kind() == DaemonClientException.Kind.NOT_REACHABLE
                    ? "Daemon not running: " + e.getMessage()
                    : "Failed to join notebook " + id + ": " + e.getMessage());
            return null;
        }
        if (!c.kernel().isAvailable()) {
            c.close();
            err.println("The daemon does not run kernels: it answered as a v1 daemon (no typed frames); upgrade runtimed");
            return null;
        }
        return c;
    }

    /** KERNELS.md §1.1 (ours): only an absolute path names a notebook file; anything else is no path. */
    static String notebookPath(String id) {
        try {
            return Path.of(id).isAbsolute() ? id : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** {@code python (uv:prewarmed)}, or {@code python} when the source is unknown. */
    static String describe(String kernelType, String envSource) {
        String type = kernelType == null ? "unknown kernel" : kernelType;
        return envSource == null ? type : type + " (" + envSource + ")";
    }

    /** The one-line text of an answer that is not what the command hoped for. */
    static String failure(NotebookResponse r) {
        if (r instanceof NotebookResponse.Error e) {
            return e.error();
        }
        if (r instanceof NotebookResponse.NoKernel) {
            return "No kernel running";
        }
        return "Unexpected answer from the daemon: " + r;
    }
}
