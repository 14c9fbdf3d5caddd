package io.runtimed.protocol;

import static io.runtimed.protocol.WireValues.required;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * KERNELS.md §2: one {@code completion_result} item: {@code label}, then {@code kind},
 * {@code detail}, {@code source}, each omitted when absent. The daemon sets only {@code label} and
 * {@code source:"kernel"}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CompletionItem(String label, String kind, String detail, String source) {
    public CompletionItem {
        required(label, "label");
    }

    /** What the daemon sends for a kernel completion. */
    public static CompletionItem fromKernel(String label) {
        return new CompletionItem(label, null, null, "kernel");
    }
}
