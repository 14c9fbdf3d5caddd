package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Objects;

/** PROTOCOL.md §4.1: what a client may ask on the pool channel. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = PoolRequest.Take.class, name = "take"),
    @JsonSubTypes.Type(value = PoolRequest.Return.class, name = "return"),
    @JsonSubTypes.Type(value = PoolRequest.Status.class, name = "status"),
    @JsonSubTypes.Type(value = PoolRequest.Ping.class, name = "ping"),
    @JsonSubTypes.Type(value = PoolRequest.Shutdown.class, name = "shutdown"),
    @JsonSubTypes.Type(value = PoolRequest.FlushPool.class, name = "flush_pool"),
    @JsonSubTypes.Type(value = PoolRequest.ListRooms.class, name = "list_rooms"),
    @JsonSubTypes.Type(value = PoolRequest.InspectNotebook.class, name = "inspect_notebook"),
})
public sealed interface PoolRequest {
    record Take(EnvType envType) implements PoolRequest {
        public Take {
            Objects.requireNonNull(envType, "env_type is required");
        }
    }

    record Return(PooledEnv env) implements PoolRequest {
        public Return {
            Objects.requireNonNull(env, "env is required");
        }
    }

    record Status() implements PoolRequest {
    }

    record Ping() implements PoolRequest {
    }

    record Shutdown() implements PoolRequest {
    }

    record FlushPool() implements PoolRequest {
    }

    /** KERNELS.md §11.1: the open notebook rooms, answered with {@code rooms_list}. */
    record ListRooms() implements PoolRequest {
    }

    /**
     * KERNELS.md §11.1: one notebook's cells and kernel, from its live room or else its persisted
     * file; answered with {@code notebook_state} or {@code error}.
     */
    record InspectNotebook(String notebookId) implements PoolRequest {
        public InspectNotebook {
            Objects.requireNonNull(notebookId, "notebook_id is required");
        }
    }
}
