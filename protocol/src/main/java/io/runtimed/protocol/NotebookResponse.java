package io.runtimed.protocol;

import static io.runtimed.protocol.WireValues.notNegative;
import static io.runtimed.protocol.WireValues.required;
import static io.runtimed.protocol.WireValues.requiredList;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * KERNELS.md §2: the one answer to each {@link NotebookRequest}, in a {@code 0x02} frame, tagged by
 * {@code "result"}. Null rules as in {@link NotebookRequest}: strings, lists, numbers and booleans
 * are required; the {@code Option} fields ({@code kernel_info}'s {@code kernel_type} and
 * {@code env_source}, {@code queue_state}'s {@code executing}) are written as {@code null}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "result")
@JsonSubTypes({
    @JsonSubTypes.Type(value = NotebookResponse.KernelLaunched.class, name = "kernel_launched"),
    @JsonSubTypes.Type(value = NotebookResponse.KernelAlreadyRunning.class, name = "kernel_already_running"),
    @JsonSubTypes.Type(value = NotebookResponse.CellQueued.class, name = "cell_queued"),
    @JsonSubTypes.Type(value = NotebookResponse.OutputsCleared.class, name = "outputs_cleared"),
    @JsonSubTypes.Type(value = NotebookResponse.InterruptSent.class, name = "interrupt_sent"),
    @JsonSubTypes.Type(value = NotebookResponse.KernelShuttingDown.class, name = "kernel_shutting_down"),
    @JsonSubTypes.Type(value = NotebookResponse.NoKernel.class, name = "no_kernel"),
    @JsonSubTypes.Type(value = NotebookResponse.KernelInfo.class, name = "kernel_info"),
    @JsonSubTypes.Type(value = NotebookResponse.QueueState.class, name = "queue_state"),
    @JsonSubTypes.Type(value = NotebookResponse.AllCellsQueued.class, name = "all_cells_queued"),
    @JsonSubTypes.Type(value = NotebookResponse.NotebookSaved.class, name = "notebook_saved"),
    @JsonSubTypes.Type(value = NotebookResponse.Ok.class, name = "ok"),
    @JsonSubTypes.Type(value = NotebookResponse.Error.class, name = "error"),
    @JsonSubTypes.Type(value = NotebookResponse.HistoryResult.class, name = "history_result"),
    @JsonSubTypes.Type(value = NotebookResponse.CompletionResult.class, name = "completion_result"),
    @JsonSubTypes.Type(value = NotebookResponse.SyncEnvironmentStarted.class, name = "sync_environment_started"),
    @JsonSubTypes.Type(value = NotebookResponse.SyncEnvironmentComplete.class, name = "sync_environment_complete"),
    @JsonSubTypes.Type(value = NotebookResponse.SyncEnvironmentFailed.class, name = "sync_environment_failed"),
})
public sealed interface NotebookResponse {
    /** A kernel was started for this request. */
    record KernelLaunched(String kernelType, String envSource, LaunchedEnvConfig launchedConfig)
            implements NotebookResponse {
        public KernelLaunched {
            required(kernelType, "kernel_type");
            required(envSource, "env_source");
            required(launchedConfig, "launched_config");
        }
    }

    /** The room already had a running kernel; this is how it was launched. */
    record KernelAlreadyRunning(String kernelType, String envSource, LaunchedEnvConfig launchedConfig)
            implements NotebookResponse {
        public KernelAlreadyRunning {
            required(kernelType, "kernel_type");
            required(envSource, "env_source");
            required(launchedConfig, "launched_config");
        }
    }

    record CellQueued(String cellId) implements NotebookResponse {
        public CellQueued {
            required(cellId, "cell_id");
        }
    }

    record OutputsCleared(String cellId) implements NotebookResponse {
        public OutputsCleared {
            required(cellId, "cell_id");
        }
    }

    record InterruptSent() implements NotebookResponse {
    }

    record KernelShuttingDown() implements NotebookResponse {
    }

    /** No kernel object in the room: never launched, shut down, or the launch failed. */
    record NoKernel() implements NotebookResponse {
    }

    /**
     * {@code status} is {@code "not_started"} without a running kernel (and then both other fields
     * are {@code null}), else the kernel's status (§5.7).
     */
    record KernelInfo(String kernelType, String envSource, String status) implements NotebookResponse {
        /** What {@code get_kernel_info} answers when the room has no kernel. */
        public static final String NOT_STARTED = "not_started";

        public KernelInfo {
            required(status, "status");
        }

        public static KernelInfo notStarted() {
            return new KernelInfo(null, null, NOT_STARTED);
        }
    }

    /** The cell executing now ({@code null} when idle) and the cells waiting, in order. */
    record QueueState(String executing, List<String> queued) implements NotebookResponse {
        public QueueState {
            queued = requiredList(queued, "queued");
        }
    }

    /** {@code run_all_cells}: how many code cells were queued. */
    record AllCellsQueued(@JsonProperty(required = true) int count) implements NotebookResponse {
        public AllCellsQueued {
            notNegative(count, "count");
        }
    }

    record NotebookSaved() implements NotebookResponse {
    }

    /** Generic success ({@code send_comm}). */
    record Ok() implements NotebookResponse {
    }

    /** The request failed; the texts are listed in §2 and shown to the user as they are. */
    record Error(String error) implements NotebookResponse {
        public Error {
            required(error, "error");
        }
    }

    record HistoryResult(List<HistoryEntry> entries) implements NotebookResponse {
        public HistoryResult {
            entries = requiredList(entries, "entries");
        }
    }

    /** Completions replace {@code code[cursor_start..cursor_end]}. */
    record CompletionResult(List<CompletionItem> items, @JsonProperty(required = true) int cursorStart,
                            @JsonProperty(required = true) int cursorEnd) implements NotebookResponse {
        public CompletionResult {
            items = requiredList(items, "items");
            notNegative(cursorStart, "cursor_start");
            notNegative(cursorEnd, "cursor_end");
        }
    }

    /** Defined by the reference but never sent. */
    record SyncEnvironmentStarted(List<String> packages) implements NotebookResponse {
        public SyncEnvironmentStarted {
            packages = requiredList(packages, "packages");
        }
    }

    /** §10.2: the packages installed into the running kernel's environment (maybe none). */
    record SyncEnvironmentComplete(List<String> syncedPackages) implements NotebookResponse {
        public SyncEnvironmentComplete {
            syncedPackages = requiredList(syncedPackages, "synced_packages");
        }
    }

    /** §10.2: hot-sync did not happen; {@code needs_restart} tells whether a restart would apply it. */
    record SyncEnvironmentFailed(String error, @JsonProperty(required = true) boolean needsRestart)
            implements NotebookResponse {
        public SyncEnvironmentFailed {
            required(error, "error");
        }
    }
}
