package io.runtimed.kernel;

/**
 * What a running kernel tells its owner. All three run on the kernel's event thread
 * ({@code kernel-<short id>-events}), one at a time, iopub messages in the order the kernel sent
 * them. A slow callback delays this kernel's later events (never its sockets or heartbeat), so
 * hand long work to another thread.
 */
public interface KernelListener {
    /** Every iopub message (status, stream, display_data, execute_result, error, comm_*, …). */
    default void onIopub(KernelMessage message) {
    }

    /** A shell reply nobody awaits through {@link RunningKernel#request}: execute_reply, comm replies. */
    default void onShellReply(KernelMessage message) {
    }

    /**
     * The kernel died without being asked to (its process exited, or it missed three heartbeats);
     * called exactly once, never after {@link RunningKernel#shutdown}. Its files are already gone.
     */
    default void onDeath(String reason) {
    }

    /** A listener that ignores everything. */
    KernelListener NONE = new KernelListener() {
    };
}
