package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * KERNELS.md §11.1: the running kernel of a live room in a {@code notebook_state} answer,
 * {@code {"kernel_type":"python","env_source":"uv:prewarmed","status":"idle"}}.
 */
@JsonPropertyOrder({"kernel_type", "env_source", "status"})
public record NotebookKernelInfo(String kernelType, String envSource, String status) {
    public NotebookKernelInfo {
        Objects.requireNonNull(status, "status is required");
    }
}
