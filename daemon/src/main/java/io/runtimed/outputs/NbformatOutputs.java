package io.runtimed.outputs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.kernel.KernelMessage;
import io.runtimed.protocol.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * KERNELS.md §7.2 step 1 and §7.7: a kernel's output messages as nbformat output objects, in
 * nbformat's field order, with {@code data} and {@code metadata} keys sorted (§8.2 "(ours)").
 */
final class NbformatOutputs {
    static final String STREAM = "stream";
    static final String DISPLAY_DATA = "display_data";
    static final String EXECUTE_RESULT = "execute_result";
    static final String ERROR = "error";

    private NbformatOutputs() {
    }

    /** True for the iopub types that become cell outputs. */
    static boolean isOutput(String msgType) {
        return STREAM.equals(msgType) || DISPLAY_DATA.equals(msgType) || EXECUTE_RESULT.equals(msgType)
                || ERROR.equals(msgType);
    }

    /** The nbformat output of an iopub output message; empty for any other type. */
    static Optional<ObjectNode> fromIopub(KernelMessage m) {
        ObjectNode c = m.content() == null ? Json.MAPPER.createObjectNode() : m.content();
        String type = m.msgType();
        if (type == null) {
            return Optional.empty();
        }
        return switch (type) {
            case STREAM -> Optional.of(stream(text(c, "name", "stdout"), text(c, "text", "")));
            case DISPLAY_DATA -> Optional.of(display(c.get("data"), c.get("metadata"), displayId(c)));
            case EXECUTE_RESULT -> Optional.of(executeResult(c));
            case ERROR -> Optional.of(error(c));
            default -> Optional.empty();
        };
    }

    static ObjectNode stream(String name, String text) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("output_type", STREAM);
        o.put("name", name);
        o.put("text", text);
        return o;
    }

    /** display_data; {@code transient.display_id} only when the message had one. */
    static ObjectNode display(JsonNode data, JsonNode metadata, String displayId) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("output_type", DISPLAY_DATA);
        o.set("data", sortedObject(data));
        o.set("metadata", sortedObject(metadata));
        if (displayId != null) {
            o.putObject("transient").put("display_id", displayId);
        }
        return o;
    }

    static ObjectNode executeResult(ObjectNode c) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("output_type", EXECUTE_RESULT);
        o.set("data", sortedObject(c.get("data")));
        o.set("metadata", sortedObject(c.get("metadata")));
        JsonNode count = c.get("execution_count");
        o.set("execution_count", count != null && count.isIntegralNumber() ? count : Json.MAPPER.nullNode());
        String displayId = displayId(c);
        if (displayId != null) {
            o.putObject("transient").put("display_id", displayId);
        }
        return o;
    }

    static ObjectNode error(ObjectNode c) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("output_type", ERROR);
        o.put("ename", text(c, "ename", ""));
        o.put("evalue", text(c, "evalue", ""));
        ArrayNode tb = o.putArray("traceback");
        JsonNode lines = c.get("traceback");
        if (lines != null && lines.isArray()) {
            for (JsonNode line : lines) {
                tb.add(line.isTextual() ? line.textValue() : OutputJson.compact(line));
            }
        }
        return o;
    }

    /** §7.7: every {@code source:"page"} payload of an execute_reply as a display_data output. */
    static List<ObjectNode> pagePayloads(KernelMessage reply) {
        List<ObjectNode> out = new ArrayList<>();
        JsonNode payloads = reply.content() == null ? null : reply.content().get("payload");
        if (payloads == null || !payloads.isArray()) {
            return out;
        }
        for (JsonNode p : payloads) {
            if (p.isObject() && "page".equals(p.path("source").asText(null))) {
                out.add(display(p.get("data"), null, null));
            }
        }
        return out;
    }

    /** {@code transient.display_id} of an iopub content, when it is a string. */
    static String displayId(JsonNode content) {
        JsonNode id = content == null ? null : content.path("transient").get("display_id");
        return id != null && id.isTextual() ? id.textValue() : null;
    }

    private static ObjectNode sortedObject(JsonNode value) {
        return value != null && value.isObject() ? (ObjectNode) OutputJson.sorted(value) : Json.MAPPER.createObjectNode();
    }

    private static String text(JsonNode c, String field, String fallback) {
        JsonNode v = c.get(field);
        return v != null && v.isTextual() ? v.textValue() : fallback;
    }
}
