package io.runtimed.protocol;

import static io.runtimed.protocol.WireValues.listOrEmpty;
import static io.runtimed.protocol.WireValues.required;
import static io.runtimed.protocol.WireValues.requiredList;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * KERNELS.md §3: what the daemon tells every typed-frame peer of a room, unasked, in {@code 0x03}
 * frames, tagged by {@code "event"}. Advisory: never persisted, v1 peers get none.
 *
 * <p>Not modelled yet: {@code env_progress} (its flattened phase enum comes with environment
 * progress reporting); a peer that receives one fails to parse it and should skip the frame.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "event")
@JsonSubTypes({
    @JsonSubTypes.Type(value = NotebookBroadcast.KernelStatus.class, name = "kernel_status"),
    @JsonSubTypes.Type(value = NotebookBroadcast.ExecutionStarted.class, name = "execution_started"),
    @JsonSubTypes.Type(value = NotebookBroadcast.Output.class, name = "output"),
    @JsonSubTypes.Type(value = NotebookBroadcast.DisplayUpdate.class, name = "display_update"),
    @JsonSubTypes.Type(value = NotebookBroadcast.ExecutionDone.class, name = "execution_done"),
    @JsonSubTypes.Type(value = NotebookBroadcast.QueueChanged.class, name = "queue_changed"),
    @JsonSubTypes.Type(value = NotebookBroadcast.KernelError.class, name = "kernel_error"),
    @JsonSubTypes.Type(value = NotebookBroadcast.OutputsCleared.class, name = "outputs_cleared"),
    @JsonSubTypes.Type(value = NotebookBroadcast.Comm.class, name = "comm"),
    @JsonSubTypes.Type(value = NotebookBroadcast.CommSync.class, name = "comm_sync"),
    @JsonSubTypes.Type(value = NotebookBroadcast.EnvSyncState.class, name = "env_sync_state"),
})
public sealed interface NotebookBroadcast {
    /**
     * The kernel's status: iopub {@code busy}/{@code idle}/{@code starting}/{@code restarting}/
     * {@code shutdown}/{@code unknown}, or {@code "error: <msg>"} for a failed auto-launch.
     * {@code cell_id} is the cell the status belongs to, written as {@code null} when none.
     */
    record KernelStatus(String status, String cellId) implements NotebookBroadcast {
        public KernelStatus {
            required(status, "status");
        }
    }

    /** iopub {@code execute_input} of a queued cell. */
    record ExecutionStarted(String cellId, @JsonProperty(required = true) long executionCount)
            implements NotebookBroadcast {
        public ExecutionStarted {
            required(cellId, "cell_id");
        }
    }

    /**
     * An output was written to the document; {@code output_json} is exactly the string stored there
     * (a manifest hash, or nbformat JSON on fallback, §8.3).
     */
    record Output(String cellId, String outputType, String outputJson) implements NotebookBroadcast {
        public Output {
            required(cellId, "cell_id");
            required(outputType, "output_type");
            required(outputJson, "output_json");
        }
    }

    /** {@code update_display_data} for a {@code transient.display_id}; {@code metadata} is an object. */
    record DisplayUpdate(String displayId, JsonNode data, ObjectNode metadata) implements NotebookBroadcast {
        public DisplayUpdate {
            required(displayId, "display_id");
            required(data, "data");
            required(metadata, "metadata");
        }
    }

    /** The queue moved past the cell (and again when its reply was not {@code ok}). */
    record ExecutionDone(String cellId) implements NotebookBroadcast {
        public ExecutionDone {
            required(cellId, "cell_id");
        }
    }

    /** Every queue mutation: the executing cell ({@code null} when idle) and the waiting ones. */
    record QueueChanged(String executing, List<String> queued) implements NotebookBroadcast {
        public QueueChanged {
            queued = requiredList(queued, "queued");
        }
    }

    /** Defined by the reference, never sent. */
    record KernelError(String error) implements NotebookBroadcast {
        public KernelError {
            required(error, "error");
        }
    }

    record OutputsCleared(String cellId) implements NotebookBroadcast {
        public OutputsCleared {
            required(cellId, "cell_id");
        }
    }

    /**
     * A kernel comm message ({@code comm_open}, {@code comm_msg}, {@code comm_close}). {@code content}
     * is the kernel's content as it came; {@code buffers} are arrays of byte values, always written,
     * empty when missing.
     */
    record Comm(String msgType, JsonNode content, List<CommBuffer> buffers) implements NotebookBroadcast {
        public Comm {
            required(msgType, "msg_type");
            required(content, "content");
            buffers = listOrEmpty(buffers, "buffers");
        }
    }

    /** Only to a newly connected peer, if the room has comms: every live comm in comm-open order. */
    record CommSync(List<CommSnapshot> comms) implements NotebookBroadcast {
        public CommSync {
            comms = requiredList(comms, "comms");
        }
    }

    /** §10.1: whether the notebook's dependencies match the running kernel; {@code diff} omitted when in sync. */
    record EnvSyncState(@JsonProperty(required = true) boolean inSync,
                        @JsonInclude(JsonInclude.Include.NON_NULL) EnvSyncDiff diff) implements NotebookBroadcast {
    }
}
