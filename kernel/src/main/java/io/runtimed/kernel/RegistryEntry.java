package io.runtimed.kernel;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * {@code <base>/kernels/<kernel-id>.json} (KERNELS.md §4.5 (ours)): enough to find and kill a
 * kernel that outlived its daemon. {@code executable} is the real path of the program the kernel
 * was started as, so that a pid reused by another program is never killed.
 */
@JsonPropertyOrder({"pid", "pgid", "connection_file", "notebook_id", "executable"})
public record RegistryEntry(long pid, long pgid, String connectionFile, String notebookId, String executable) {
}
