package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;

/** PROTOCOL.md §4.2: exactly one answer per pool request, in order. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = PoolResponse.Env.class, name = "env"),
    @JsonSubTypes.Type(value = PoolResponse.Empty.class, name = "empty"),
    @JsonSubTypes.Type(value = PoolResponse.Returned.class, name = "returned"),
    @JsonSubTypes.Type(value = PoolResponse.Stats.class, name = "stats"),
    @JsonSubTypes.Type(value = PoolResponse.Pong.class, name = "pong"),
    @JsonSubTypes.Type(value = PoolResponse.ShuttingDown.class, name = "shutting_down"),
    @JsonSubTypes.Type(value = PoolResponse.Flushed.class, name = "flushed"),
    @JsonSubTypes.Type(value = PoolResponse.Error.class, name = "error"),
    @JsonSubTypes.Type(value = PoolResponse.RoomsList.class, name = "rooms_list"),
    @JsonSubTypes.Type(value = PoolResponse.NotebookState.class, name = "notebook_state"),
})
public sealed interface PoolResponse {
    record Env(PooledEnv env) implements PoolResponse {
        public Env {
            Objects.requireNonNull(env, "env is required");
        }
    }

    record Empty() implements PoolResponse {
    }

    record Returned() implements PoolResponse {
    }

    record Stats(PoolStats stats) implements PoolResponse {
        public Stats {
            Objects.requireNonNull(stats, "stats is required");
        }
    }

    record Pong() implements PoolResponse {
    }

    record ShuttingDown() implements PoolResponse {
    }

    record Flushed() implements PoolResponse {
    }

    /** KERNELS.md §11.1: the answer to {@code list_rooms}; this daemon sorts the rooms by id. */
    record RoomsList(List<RoomInfo> rooms) implements PoolResponse {
        public RoomsList {
            rooms = List.copyOf(Objects.requireNonNull(rooms, "rooms is required"));
        }
    }

    /**
     * KERNELS.md §11.1: the answer to {@code inspect_notebook}, in the reference's field order;
     * {@code kernel_info} is written as {@code null} when no kernel runs (or the state came from
     * the file).
     */
    @JsonPropertyOrder({"notebook_id", "cells", "source", "kernel_info"})
    record NotebookState(String notebookId, List<CellSnapshot> cells, Source source, NotebookKernelInfo kernelInfo)
            implements PoolResponse {
        public NotebookState {
            Objects.requireNonNull(notebookId, "notebook_id is required");
            cells = List.copyOf(Objects.requireNonNull(cells, "cells is required"));
            Objects.requireNonNull(source, "source is required");
        }

        /** Where the cells were read. */
        public enum Source {
            @JsonProperty("live_room") LIVE_ROOM,
            @JsonProperty("persisted_file") PERSISTED_FILE
        }
    }

    /** Reference clients surface this as "Daemon returned error: message". */
    record Error(String message) implements PoolResponse {
        public Error {
            Objects.requireNonNull(message, "message is required");
        }
    }
}
