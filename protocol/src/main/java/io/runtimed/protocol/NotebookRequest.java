package io.runtimed.protocol;

import static io.runtimed.protocol.WireValues.notNegative;
import static io.runtimed.protocol.WireValues.required;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * KERNELS.md §2: what a client asks in a {@code 0x01} frame, tagged by {@code "action"}; exactly one
 * {@link NotebookResponse} answers each, in order.
 *
 * <p>Null rules, as serde reads and writes the reference's enum: a {@code String} field is required
 * (missing or {@code null} fails); an {@code Option} field without a skip rule is a nullable
 * component written as {@code null} and read as absent when missing; numbers and booleans are
 * required and never coerced from strings. Empty variants are the tag alone and ignore extra keys,
 * as every variant does.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "action")
@JsonSubTypes({
    @JsonSubTypes.Type(value = NotebookRequest.LaunchKernel.class, name = "launch_kernel"),
    @JsonSubTypes.Type(value = NotebookRequest.ExecuteCell.class, name = "execute_cell"),
    @JsonSubTypes.Type(value = NotebookRequest.QueueCell.class, name = "queue_cell"),
    @JsonSubTypes.Type(value = NotebookRequest.RunAllCells.class, name = "run_all_cells"),
    @JsonSubTypes.Type(value = NotebookRequest.ClearOutputs.class, name = "clear_outputs"),
    @JsonSubTypes.Type(value = NotebookRequest.InterruptExecution.class, name = "interrupt_execution"),
    @JsonSubTypes.Type(value = NotebookRequest.ShutdownKernel.class, name = "shutdown_kernel"),
    @JsonSubTypes.Type(value = NotebookRequest.GetKernelInfo.class, name = "get_kernel_info"),
    @JsonSubTypes.Type(value = NotebookRequest.GetQueueState.class, name = "get_queue_state"),
    @JsonSubTypes.Type(value = NotebookRequest.SendComm.class, name = "send_comm"),
    @JsonSubTypes.Type(value = NotebookRequest.GetHistory.class, name = "get_history"),
    @JsonSubTypes.Type(value = NotebookRequest.Complete.class, name = "complete"),
    @JsonSubTypes.Type(value = NotebookRequest.SaveNotebook.class, name = "save_notebook"),
    @JsonSubTypes.Type(value = NotebookRequest.SyncEnvironment.class, name = "sync_environment"),
})
public sealed interface NotebookRequest {
    /**
     * §5: start the room's kernel, or report the running one. {@code kernel_type} and
     * {@code env_source} may be {@code "auto"}; {@code notebook_path} is nullable and always written.
     */
    record LaunchKernel(String kernelType, String envSource, String notebookPath) implements NotebookRequest {
        public LaunchKernel {
            required(kernelType, "kernel_type");
            required(envSource, "env_source");
        }
    }

    /** §6: queue the cell with the source and type the room's document holds. */
    record ExecuteCell(String cellId) implements NotebookRequest {
        public ExecuteCell {
            required(cellId, "cell_id");
        }
    }

    /** Deprecated by the reference: queue with client-supplied code. */
    record QueueCell(String cellId, String code) implements NotebookRequest {
        public QueueCell {
            required(cellId, "cell_id");
            required(code, "code");
        }
    }

    /** Queue every code cell of the document in list order. */
    record RunAllCells() implements NotebookRequest {
    }

    /** §6.5. */
    record ClearOutputs(String cellId) implements NotebookRequest {
        public ClearOutputs {
            required(cellId, "cell_id");
        }
    }

    /** §5.8. */
    record InterruptExecution() implements NotebookRequest {
    }

    /** §5.8. */
    record ShutdownKernel() implements NotebookRequest {
    }

    /** Answered with {@code kernel_info}. */
    record GetKernelInfo() implements NotebookRequest {
    }

    /** Answered with {@code queue_state}. */
    record GetQueueState() implements NotebookRequest {
    }

    /**
     * §7.8: a full Jupyter message for the kernel's shell channel, kept as the JSON it came as. Any
     * JSON value parses (serde's {@code Value}); only a missing {@code message} fails, and a message
     * without header or content is the handler's error, not a parse error.
     */
    record SendComm(JsonNode message) implements NotebookRequest {
        public SendComm {
            required(message, "message");
        }
    }

    /** §7.10: {@code pattern} is nullable and always written; {@code n} and {@code unique} are required. */
    record GetHistory(String pattern, @JsonProperty(required = true) int n,
                      @JsonProperty(required = true) boolean unique) implements NotebookRequest {
    }

    /** §7.10: {@code cursor_pos} counts from 0. */
    record Complete(String code, @JsonProperty(required = true) int cursorPos) implements NotebookRequest {
        public Complete {
            required(code, "code");
            notNegative(cursorPos, "cursor_pos");
        }
    }

    /**
     * §9.1: {@code format_cells} is required (and ignored). {@code force} is our extension: reference
     * clients never send it and it is written only when set, so the reference form stays exact.
     */
    record SaveNotebook(@JsonProperty(required = true) boolean formatCells,
                        @JsonInclude(JsonInclude.Include.NON_NULL) Boolean force) implements NotebookRequest {
        /** The reference's request: no {@code force}. */
        public SaveNotebook(boolean formatCells) {
            this(formatCells, null);
        }
    }

    /** §10.2: hot-install the dependencies added since launch. */
    record SyncEnvironment() implements NotebookRequest {
    }
}
