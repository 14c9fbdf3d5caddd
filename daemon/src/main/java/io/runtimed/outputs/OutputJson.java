package io.runtimed.outputs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** The pipeline's JSON helpers: compact text through the protocol's one mapper, sorted copies. */
final class OutputJson {
    private OutputJson() {
    }

    static String compact(JsonNode node) {
        try {
            return Json.MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(String text) throws JsonProcessingException {
        return Json.MAPPER.readTree(text);
    }

    /**
     * A copy with every object's keys in sorted order, recursively (KERNELS.md §8.2 "(ours)":
     * identical outputs get identical manifests and hashes).
     */
    static JsonNode sorted(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isObject()) {
            List<String> keys = new ArrayList<>();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                keys.add(it.next());
            }
            keys.sort(null);
            ObjectNode out = Json.MAPPER.createObjectNode();
            for (String k : keys) {
                out.set(k, sorted(node.get(k)));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = Json.MAPPER.createArrayNode();
            for (JsonNode item : node) {
                out.add(sorted(item));
            }
            return out;
        }
        return node;
    }

    /** The object at {@code field}, sorted, or an empty object when it is missing or not an object. */
    static ObjectNode sortedObject(JsonNode parent, String field) {
        JsonNode value = parent == null ? null : parent.get(field);
        return value != null && value.isObject() ? (ObjectNode) sorted(value) : Json.MAPPER.createObjectNode();
    }
}
