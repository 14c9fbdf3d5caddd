package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * One open notebook room in a {@code rooms_list} answer (KERNELS.md §11.1), in the reference's
 * field order: {@code {"notebook_id":…,"active_peers":N,"has_kernel":bool}}, then, only while a
 * kernel runs, {@code kernel_type}, {@code env_source} and {@code kernel_status} (omitted when null).
 * {@code has_kernel} is always written: {@code false} for a room without a running kernel, and for
 * every room of a daemon that runs no kernels.
 */
@JsonPropertyOrder({"notebook_id", "active_peers", "has_kernel", "kernel_type", "env_source", "kernel_status"})
public record RoomInfo(String notebookId, int activePeers, boolean hasKernel,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String kernelType,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String envSource,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String kernelStatus) {
    public RoomInfo {
        Objects.requireNonNull(notebookId, "notebook_id is required");
    }

    /** A room without a running kernel. */
    public static RoomInfo withoutKernel(String notebookId, int activePeers) {
        return new RoomInfo(notebookId, activePeers, false, null, null, null);
    }

    /** A room whose kernel runs. */
    public static RoomInfo withKernel(String notebookId, int activePeers, String kernelType, String envSource,
                                      String kernelStatus) {
        return new RoomInfo(notebookId, activePeers, true, kernelType, envSource, kernelStatus);
    }
}
