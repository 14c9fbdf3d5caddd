package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * One open notebook room in a {@code rooms} answer: {@code {"notebook_id":…,"peers":N}}, then, from a
 * daemon that runs kernels (KERNELS.md §11.1), {@code has_kernel} and, only while a kernel runs,
 * {@code kernel_type}, {@code env_source} and {@code kernel_status}. Each of these four is omitted
 * when null, so an older daemon's answer (and the two-argument form) reads and writes as before.
 */
public record RoomInfo(String notebookId, int peers,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Boolean hasKernel,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String kernelType,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String envSource,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String kernelStatus) {
    public RoomInfo {
        Objects.requireNonNull(notebookId, "notebook_id is required");
    }

    /** A room as a daemon without kernels reports it. */
    public RoomInfo(String notebookId, int peers) {
        this(notebookId, peers, null, null, null, null);
    }

    /** A room without a running kernel, as a daemon with kernels reports it. */
    public static RoomInfo withoutKernel(String notebookId, int peers) {
        return new RoomInfo(notebookId, peers, false, null, null, null);
    }

    /** A room whose kernel runs. */
    public static RoomInfo withKernel(String notebookId, int peers, String kernelType, String envSource,
                                      String kernelStatus) {
        return new RoomInfo(notebookId, peers, true, kernelType, envSource, kernelStatus);
    }

    /** Whether the daemon said a kernel runs (false when it said nothing). */
    public boolean kernelRunning() {
        return Boolean.TRUE.equals(hasKernel);
    }
}
