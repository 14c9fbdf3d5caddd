package io.runtimed.outputs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.CommBuffer;
import io.runtimed.protocol.CommSnapshot;
import io.runtimed.protocol.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * KERNELS.md §7.8: the live comms of one room, for windows that join later ({@code comm_sync}), in
 * comm-open order. {@code method:"update"} messages shallow-merge {@code data.state}; from the
 * kernel and, "(ours)", from clients. Buffers are kept with their {@code buffer_paths}: an update's
 * buffer replaces the one at the same path, and a state key that an update sets without a buffer
 * drops the stale buffers under it. Not thread-safe: the router's lock guards it.
 */
final class CommState {
    static final String OUTPUT_MODEL = "OutputModel";

    private final Map<String, Entry> comms = new LinkedHashMap<>();

    /** One buffer and the state path it belongs to ({@code null} when the message gave none). */
    record PathBuffer(ArrayNode path, byte[] bytes) {
    }

    private static final class Entry {
        final String targetName;
        final ObjectNode state;
        final List<PathBuffer> buffers = new ArrayList<>();

        Entry(String targetName, ObjectNode state) {
            this.targetName = targetName;
            this.state = state;
        }

        String stateText(String key) {
            JsonNode v = state.get(key);
            return v != null && v.isTextual() ? v.textValue() : null;
        }
    }

    /** comm_open: {@code state} = {@code data.state} or {}; model module and name read from it. */
    void open(String commId, String targetName, JsonNode data, List<byte[]> buffers) {
        JsonNode state = data == null ? null : data.get("state");
        Entry e = new Entry(targetName == null ? "" : targetName,
                state != null && state.isObject() ? ((ObjectNode) state).deepCopy() : Json.MAPPER.createObjectNode());
        addBuffers(e, data, buffers);
        comms.remove(commId);
        comms.put(commId, e);
    }

    /**
     * comm_msg: a {@code method:"update"} shallow-merges {@code data.state} into a known comm.
     * Returns true when it did (unknown comms and other methods change nothing).
     */
    boolean update(String commId, JsonNode data, List<byte[]> buffers) {
        Entry e = comms.get(commId);
        if (e == null || data == null || !"update".equals(data.path("method").asText(null))) {
            return false;
        }
        JsonNode state = data.get("state");
        if (state != null && state.isObject()) {
            for (Iterator<String> it = state.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                e.buffers.removeIf(b -> b.path() != null && b.path().size() > 0 && b.path().get(0).asText().equals(key));
            }
            e.state.setAll((ObjectNode) state);
        }
        addBuffers(e, data, buffers);
        return true;
    }

    void close(String commId) {
        comms.remove(commId);
    }

    boolean isOutputWidget(String commId) {
        Entry e = comms.get(commId);
        return e != null && OUTPUT_MODEL.equals(e.stateText("_model_name"));
    }

    Optional<String> modelName(String commId) {
        Entry e = comms.get(commId);
        return e == null ? Optional.empty() : Optional.ofNullable(e.stateText("_model_name"));
    }

    /** The kept buffers of a comm with their paths (what a snapshot cannot carry yet). */
    List<PathBuffer> buffers(String commId) {
        Entry e = comms.get(commId);
        return e == null ? List.of() : List.copyOf(e.buffers);
    }

    /** Every live comm, in comm-open order. */
    List<CommSnapshot> snapshots() {
        List<CommSnapshot> out = new ArrayList<>();
        comms.forEach((id, e) -> {
            List<CommBuffer> buffers = new ArrayList<>();
            for (PathBuffer b : e.buffers) {
                buffers.add(CommBuffer.of(b.bytes()));
            }
            out.add(new CommSnapshot(id, e.targetName, e.state.deepCopy(), e.stateText("_model_module"),
                    e.stateText("_model_name"), buffers));
        });
        return out;
    }

    void clear() {
        comms.clear();
    }

    private static void addBuffers(Entry e, JsonNode data, List<byte[]> buffers) {
        JsonNode paths = data == null ? null : data.get("buffer_paths");
        for (int i = 0; i < buffers.size(); i++) {
            JsonNode p = paths != null && paths.isArray() ? paths.get(i) : null;
            ArrayNode path = p != null && p.isArray() ? (ArrayNode) p : null;
            if (path != null) {
                e.buffers.removeIf(b -> path.equals(b.path()));
            }
            e.buffers.add(new PathBuffer(path, buffers.get(i).clone()));
        }
    }
}
