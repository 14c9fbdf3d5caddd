package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
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
    @JsonSubTypes.Type(value = PoolResponse.Rooms.class, name = "rooms"),
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

    /** Extension: the answer to {@code list_rooms}, rooms sorted by id. */
    record Rooms(java.util.List<RoomInfo> rooms) implements PoolResponse {
        public Rooms {
            rooms = java.util.List.copyOf(Objects.requireNonNull(rooms, "rooms is required"));
        }
    }

    /** Reference clients surface this as "Daemon returned error: message". */
    record Error(String message) implements PoolResponse {
        public Error {
            Objects.requireNonNull(message, "message is required");
        }
    }
}
