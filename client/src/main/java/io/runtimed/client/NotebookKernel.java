package io.runtimed.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.protocol.NotebookRequest;
import io.runtimed.protocol.NotebookResponse;
import java.time.Duration;

/**
 * The kernel requests of one notebook connection (KERNELS.md §2), from
 * {@link NotebookClient#kernel()}. Each method sends one request and returns the daemon's typed
 * answer: {@code error} and {@code no_kernel} are answers too, returned, not thrown. Exceptions
 * mean there was no answer: {@code TIMEOUT} (the connection stays usable, the late answer is
 * dropped when it comes), {@code PROTOCOL} (the connection broke), {@code UNSUPPORTED} (a v1
 * daemon, which has no requests). Thread-safe; answers pair with requests in order (see
 * {@link NotebookRequests}).
 */
public final class NotebookKernel {
    /** KERNELS.md §1.5: the reference client's request timeout. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /**
     * A launch may build an environment first (§5.3: minutes for a conda solve), and the daemon
     * answers only once the kernel does.
     */
    public static final Duration LAUNCH_TIMEOUT = Duration.ofMinutes(10);

    private final NotebookRequests requests;
    private final boolean available;
    private final Duration timeout;

    NotebookKernel(NotebookRequests requests, boolean available, Duration timeout) {
        this.requests = requests;
        this.available = available;
        this.timeout = timeout;
    }

    /** The same connection with another timeout for every request but the launch. */
    public NotebookKernel withTimeout(Duration timeout) {
        return new NotebookKernel(requests, available, timeout);
    }

    /** Whether the daemon speaks typed frames on this connection (a v1 daemon answers nothing). */
    public boolean isAvailable() {
        return available;
    }

    /** Any request, answered within {@code timeout}. */
    public NotebookResponse request(NotebookRequest request, Duration timeout) throws DaemonClientException {
        if (!available) {
            throw new DaemonClientException(DaemonClientException.Kind.UNSUPPORTED,
                    "The daemon does not support kernel requests: it answered the notebook connection as a "
                            + "v1 daemon (no typed frames); upgrade runtimed");
        }
        return requests.request(request, timeout);
    }

    /**
     * §5: {@code kernel_launched}, {@code kernel_already_running} or {@code error}. {@code kernelType}
     * and {@code envSource} may be {@code "auto"}; {@code notebookPath} may be null.
     */
    public NotebookResponse launchKernel(String kernelType, String envSource, String notebookPath)
            throws DaemonClientException {
        return launchKernel(kernelType, envSource, notebookPath, LAUNCH_TIMEOUT);
    }

    public NotebookResponse launchKernel(String kernelType, String envSource, String notebookPath, Duration timeout)
            throws DaemonClientException {
        return request(new NotebookRequest.LaunchKernel(kernelType, envSource, notebookPath), timeout);
    }

    /** §6: queue the cell as the room's document holds it: {@code cell_queued}, {@code no_kernel}, {@code error}. */
    public NotebookResponse executeCell(String cellId) throws DaemonClientException {
        return request(new NotebookRequest.ExecuteCell(cellId), timeout);
    }

    /** Deprecated by the reference: queue {@code code} for the cell. */
    public NotebookResponse queueCell(String cellId, String code) throws DaemonClientException {
        return request(new NotebookRequest.QueueCell(cellId, code), timeout);
    }

    /** {@code all_cells_queued}, {@code no_kernel}, {@code error}. */
    public NotebookResponse runAllCells() throws DaemonClientException {
        return request(new NotebookRequest.RunAllCells(), timeout);
    }

    /** §6.5: the daemon empties the cell's outputs: {@code outputs_cleared} or {@code error}. */
    public NotebookResponse clearOutputs(String cellId) throws DaemonClientException {
        return request(new NotebookRequest.ClearOutputs(cellId), timeout);
    }

    /** §5.8: {@code interrupt_sent}, {@code no_kernel}, {@code error}. */
    public NotebookResponse interrupt() throws DaemonClientException {
        return request(new NotebookRequest.InterruptExecution(), timeout);
    }

    /** §5.8: {@code kernel_shutting_down}, {@code no_kernel}, {@code error}. */
    public NotebookResponse shutdownKernel() throws DaemonClientException {
        return request(new NotebookRequest.ShutdownKernel(), timeout);
    }

    /** The room's kernel; status {@code not_started} without one. */
    public NotebookResponse.KernelInfo kernelInfo() throws DaemonClientException {
        return expect(request(new NotebookRequest.GetKernelInfo(), timeout), NotebookResponse.KernelInfo.class,
                "get_kernel_info");
    }

    /** The cell executing now and the cells waiting. */
    public NotebookResponse.QueueState queueState() throws DaemonClientException {
        return expect(request(new NotebookRequest.GetQueueState(), timeout), NotebookResponse.QueueState.class,
                "get_queue_state");
    }

    /** §7.8: a full Jupyter message for the kernel's shell channel: {@code ok}, {@code no_kernel}, {@code error}. */
    public NotebookResponse sendComm(JsonNode message) throws DaemonClientException {
        return request(new NotebookRequest.SendComm(message), timeout);
    }

    /** §7.10: {@code completion_result}, {@code no_kernel}, {@code error}. */
    public NotebookResponse complete(String code, int cursorPos) throws DaemonClientException {
        return request(new NotebookRequest.Complete(code, cursorPos), timeout);
    }

    /** §7.10: {@code pattern} null for every entry: {@code history_result}, {@code no_kernel}, {@code error}. */
    public NotebookResponse history(String pattern, int n, boolean unique) throws DaemonClientException {
        return request(new NotebookRequest.GetHistory(pattern, n, unique), timeout);
    }

    private static <T extends NotebookResponse> T expect(NotebookResponse r, Class<T> type, String action)
            throws DaemonClientException {
        if (type.isInstance(r)) {
            return type.cast(r);
        }
        if (r instanceof NotebookResponse.Error e) {
            throw new DaemonClientException(DaemonClientException.Kind.DAEMON_ERROR, e.error());
        }
        throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL,
                "Unexpected answer to " + action + ": " + r);
    }
}
