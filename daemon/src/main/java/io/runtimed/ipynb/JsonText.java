package io.runtimed.ipynb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Compact JSON text of the values the document keeps as Str, and their way back. */
final class JsonText {
    private JsonText() {
    }

    static String compact(JsonNode value) {
        return new String(Json.compact(value), StandardCharsets.UTF_8);
    }

    /** The parsed text, or empty when it is missing or not JSON. */
    static Optional<JsonNode> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.MAPPER.readTree(text));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    /** The parsed text when it is a JSON object. */
    static Optional<ObjectNode> object(String text) {
        return parse(text).filter(ObjectNode.class::isInstance).map(ObjectNode.class::cast);
    }
}
