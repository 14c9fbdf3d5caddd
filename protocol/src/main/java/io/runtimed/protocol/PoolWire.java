package io.runtimed.protocol;

import static io.runtimed.protocol.StreamingJson.bool;
import static io.runtimed.protocol.StreamingJson.integer;
import static io.runtimed.protocol.StreamingJson.longInteger;
import static io.runtimed.protocol.StreamingJson.object;
import static io.runtimed.protocol.StreamingJson.optionalString;
import static io.runtimed.protocol.StreamingJson.readObject;
import static io.runtimed.protocol.StreamingJson.string;
import static io.runtimed.protocol.StreamingJson.write;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The handshakes and the pool channel's messages on Jackson's streaming API, for a process that
 * sends one request and exits ({@code runt pool ping}) and for the daemon's first answers. On a
 * cold JVM the first use of {@link Json}'s databind mapper costs over 100 ms (mapper, annotation
 * proxies, serializers built per type); this costs about 10 ms. The JSON is byte for byte
 * {@link Json#compact}'s and the values equal {@link Json#parse}'s (PoolWireTest holds both to it).
 *
 * <p>Only the well-formed common case is read here: a message with a missing field, a value of
 * another type, an unknown tag or a variant not mapped below ({@code notebook_state}) is handed to
 * {@link Json#parse}, so every value and every error message is the databind mapper's.
 */
public final class PoolWire {
    private PoolWire() {
    }

    /** Loads and runs what a pool handshake and a ping take, ahead of the first one (the daemon's start). */
    public static void warmUp() {
        try {
            parseHandshake(handshake(new Handshake.Pool()));
            parseRequest(request(new PoolRequest.Ping()));
            parseResponse(response(new PoolResponse.Pong()));
        } catch (MalformedMessageException e) {
            throw new IllegalStateException("pool messages do not round-trip", e);
        }
    }

    /** A handshake's JSON, as {@code Json.compact(handshake)}. */
    public static byte[] handshake(Handshake handshake) {
        return write(g -> {
            g.writeStringField("channel", handshake.channelName());
            if (handshake instanceof Handshake.NotebookSync n) {
                g.writeStringField("notebook_id", n.notebookId());
                if (n.protocol() != null) {
                    g.writeStringField("protocol", n.protocol());
                }
            }
        });
    }

    /** A pool request's JSON, as {@code Json.compact(request)}. */
    public static byte[] request(PoolRequest request) {
        return write(g -> {
            g.writeStringField("type", requestType(request));
            if (request instanceof PoolRequest.Take t) {
                g.writeStringField("env_type", t.envType().wireName());
            } else if (request instanceof PoolRequest.Return r) {
                g.writeFieldName("env");
                writeEnv(g, r.env());
            } else if (request instanceof PoolRequest.InspectNotebook i) {
                g.writeStringField("notebook_id", i.notebookId());
            }
        });
    }

    /** A pool response's JSON, as {@code Json.compact(response)}, for the variants the daemon answers most. */
    public static byte[] response(PoolResponse response) {
        if (response instanceof PoolResponse.RoomsList || response instanceof PoolResponse.NotebookState) {
            return Json.compact(response);
        }
        return write(g -> {
            g.writeStringField("type", responseType(response));
            if (response instanceof PoolResponse.Env e) {
                g.writeFieldName("env");
                writeEnv(g, e.env());
            } else if (response instanceof PoolResponse.Stats s) {
                g.writeFieldName("stats");
                writeStats(g, s.stats());
            } else if (response instanceof PoolResponse.Error e) {
                g.writeStringField("message", e.message());
            }
        });
    }

    /** Reads a pool response; anything but the well-formed common case is {@link Json#parse}'s to read or refuse. */
    public static PoolResponse parseResponse(byte[] payload) throws MalformedMessageException {
        return parse(payload, PoolWire::readResponse, PoolResponse.class);
    }

    /** Reads a handshake; anything but the well-formed common case is {@link Json#parse}'s to read or refuse. */
    public static Handshake parseHandshake(byte[] payload) throws MalformedMessageException {
        return parse(payload, PoolWire::readHandshake, Handshake.class);
    }

    /** Reads a pool request; anything but the well-formed common case is {@link Json#parse}'s to read or refuse. */
    public static PoolRequest parseRequest(byte[] payload) throws MalformedMessageException {
        return parse(payload, PoolWire::readRequest, PoolRequest.class);
    }

    /** {@code fast}'s value of the payload's fields; when it has none (null, or a field of another type), the mapper's. */
    private static <T> T parse(byte[] payload, Function<Map<String, Object>, T> fast, Class<T> type)
            throws MalformedMessageException {
        try {
            T value = fast.apply(readObject(payload));
            if (value != null) {
                return value;
            }
        } catch (IOException | RuntimeException e) {
            // not the common case: the mapper reads it, or explains what is wrong with it
        }
        return Json.parse(payload, type);
    }

    /** Whether the payload is one of the common messages this class reads without the mapper (for tests). */
    static boolean readsItself(byte[] payload) {
        try {
            Map<String, Object> m = readObject(payload);
            return readRequest(m) != null || readResponse(m) != null || readHandshake(m) != null;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String requestType(PoolRequest request) {
        if (request instanceof PoolRequest.Take) {
            return "take";
        } else if (request instanceof PoolRequest.Return) {
            return "return";
        } else if (request instanceof PoolRequest.Status) {
            return "status";
        } else if (request instanceof PoolRequest.Ping) {
            return "ping";
        } else if (request instanceof PoolRequest.Shutdown) {
            return "shutdown";
        } else if (request instanceof PoolRequest.FlushPool) {
            return "flush_pool";
        } else if (request instanceof PoolRequest.ListRooms) {
            return "list_rooms";
        }
        return "inspect_notebook";
    }

    private static String responseType(PoolResponse response) {
        if (response instanceof PoolResponse.Env) {
            return "env";
        } else if (response instanceof PoolResponse.Empty) {
            return "empty";
        } else if (response instanceof PoolResponse.Returned) {
            return "returned";
        } else if (response instanceof PoolResponse.Stats) {
            return "stats";
        } else if (response instanceof PoolResponse.Pong) {
            return "pong";
        } else if (response instanceof PoolResponse.ShuttingDown) {
            return "shutting_down";
        } else if (response instanceof PoolResponse.Flushed) {
            return "flushed";
        }
        return "error";
    }

    private static void writeEnv(JsonGenerator g, PooledEnv env) throws IOException {
        g.writeStartObject();
        g.writeStringField("env_type", env.envType().wireName());
        g.writeStringField("venv_path", env.venvPath());
        g.writeStringField("python_path", env.pythonPath());
        g.writeEndObject();
    }

    private static void writeStats(JsonGenerator g, PoolStats s) throws IOException {
        g.writeStartObject();
        g.writeNumberField("uv_available", s.uvAvailable());
        g.writeNumberField("uv_warming", s.uvWarming());
        g.writeNumberField("conda_available", s.condaAvailable());
        g.writeNumberField("conda_warming", s.condaWarming());
        if (s.uvBackend() != null) {
            g.writeStringField("uv_backend", s.uvBackend());
        }
        if (s.condaBackend() != null) {
            g.writeStringField("conda_backend", s.condaBackend());
        }
        if (s.uvError() != null) {
            g.writeFieldName("uv_error");
            writeError(g, s.uvError());
        }
        if (s.condaError() != null) {
            g.writeFieldName("conda_error");
            writeError(g, s.condaError());
        }
        g.writeEndObject();
    }

    private static void writeError(JsonGenerator g, PoolError e) throws IOException {
        g.writeStartObject();
        g.writeStringField("message", e.message());
        if (e.failedPackage() != null) {
            g.writeStringField("failed_package", e.failedPackage());
        }
        g.writeNumberField("consecutive_failures", e.consecutiveFailures());
        g.writeNumberField("retry_in_secs", e.retryInSecs());
        g.writeEndObject();
    }

    /** The common responses, or null for the mapper to read. Fields of the wrong type throw. */
    private static PoolResponse readResponse(Map<String, Object> m) {
        Object type = m.get("type");
        if (!(type instanceof String tag)) {
            return null;
        }
        return switch (tag) {
            case "pong" -> new PoolResponse.Pong();
            case "empty" -> new PoolResponse.Empty();
            case "returned" -> new PoolResponse.Returned();
            case "shutting_down" -> new PoolResponse.ShuttingDown();
            case "flushed" -> new PoolResponse.Flushed();
            case "error" -> new PoolResponse.Error(string(m, "message"));
            case "env" -> new PoolResponse.Env(env(object(m, "env")));
            case "stats" -> new PoolResponse.Stats(stats(object(m, "stats")));
            case "rooms_list" -> new PoolResponse.RoomsList(rooms(m.get("rooms")));
            default -> null;
        };
    }

    private static Handshake readHandshake(Map<String, Object> m) {
        Object channel = m.get("channel");
        if (!(channel instanceof String tag)) {
            return null;
        }
        return switch (tag) {
            case "pool" -> new Handshake.Pool();
            case "settings_sync" -> new Handshake.SettingsSync();
            case "blob" -> new Handshake.Blob();
            case "pool_state_subscribe" -> new Handshake.PoolStateSubscribe();
            case "notebook_sync" -> new Handshake.NotebookSync(string(m, "notebook_id"), optionalString(m, "protocol"));
            default -> null;
        };
    }

    private static PoolRequest readRequest(Map<String, Object> m) {
        Object type = m.get("type");
        if (!(type instanceof String tag)) {
            return null;
        }
        return switch (tag) {
            case "ping" -> new PoolRequest.Ping();
            case "status" -> new PoolRequest.Status();
            case "shutdown" -> new PoolRequest.Shutdown();
            case "flush_pool" -> new PoolRequest.FlushPool();
            case "list_rooms" -> new PoolRequest.ListRooms();
            case "take" -> new PoolRequest.Take(envType(m.get("env_type")));
            case "return" -> new PoolRequest.Return(env(object(m, "env")));
            case "inspect_notebook" -> new PoolRequest.InspectNotebook(string(m, "notebook_id"));
            default -> null;
        };
    }

    private static PooledEnv env(Map<String, Object> m) {
        return new PooledEnv(envType(m.get("env_type")), string(m, "venv_path"), string(m, "python_path"));
    }

    private static EnvType envType(Object value) {
        if ("uv".equals(value)) {
            return EnvType.UV;
        } else if ("conda".equals(value)) {
            return EnvType.CONDA;
        }
        throw new IllegalArgumentException("env_type");
    }

    private static PoolStats stats(Map<String, Object> m) {
        return new PoolStats(integer(m, "uv_available"), integer(m, "uv_warming"), integer(m, "conda_available"),
                integer(m, "conda_warming"), optionalString(m, "uv_backend"), optionalString(m, "conda_backend"),
                poolError(m.get("uv_error")), poolError(m.get("conda_error")));
    }

    private static PoolError poolError(Object value) {
        if (value == null) {
            return null;
        }
        Map<String, Object> m = object(value);
        return new PoolError(string(m, "message"), optionalString(m, "failed_package"),
                integer(m, "consecutive_failures"), longInteger(m, "retry_in_secs"));
    }

    private static List<RoomInfo> rooms(Object value) {
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException("rooms");
        }
        List<RoomInfo> rooms = new ArrayList<>(list.size());
        for (Object item : list) {
            Map<String, Object> m = object(item);
            rooms.add(new RoomInfo(string(m, "notebook_id"), integer(m, "active_peers"), bool(m, "has_kernel"),
                    optionalString(m, "kernel_type"), optionalString(m, "env_source"), optionalString(m, "kernel_status")));
        }
        return rooms;
    }

}
