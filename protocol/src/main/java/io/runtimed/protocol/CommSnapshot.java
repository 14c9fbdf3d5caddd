package io.runtimed.protocol;

import static io.runtimed.protocol.WireValues.listOrEmpty;
import static io.runtimed.protocol.WireValues.required;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * KERNELS.md §3: one live comm in a {@code comm_sync} broadcast, so a newly connected window can
 * rebuild widgets created before it came:
 * {@code {"comm_id":…,"target_name":…,"state":{…},"model_module":…,"model_name":…,"buffers":[[…]]}}.
 * {@code model_module} and {@code model_name} are omitted when absent, {@code buffers} when empty
 * (and read as empty when missing). {@code state} is any JSON value, kept as it came.
 */
@JsonPropertyOrder({"comm_id", "target_name", "state", "model_module", "model_name", "buffers"})
public record CommSnapshot(String commId, String targetName, JsonNode state,
                           @JsonInclude(JsonInclude.Include.NON_NULL) String modelModule,
                           @JsonInclude(JsonInclude.Include.NON_NULL) String modelName,
                           @JsonInclude(JsonInclude.Include.NON_EMPTY) List<CommBuffer> buffers) {
    public CommSnapshot {
        required(commId, "comm_id");
        required(targetName, "target_name");
        required(state, "state");
        buffers = listOrEmpty(buffers, "buffers");
    }
}
