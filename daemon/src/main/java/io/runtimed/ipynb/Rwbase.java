package io.runtimed.ipynb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * nbformat's v4/rwbase.py: rejoin_lines (read), split_lines (write) and strip_transient (both),
 * rule for rule, on a notebook whose top level and cells are known to be objects. Where Python
 * would stop with an AttributeError (a cell without metadata, a code cell without outputs) these
 * skip the part that is not there instead.
 */
final class Rwbase {
    /** _non_text_split_mimes: split on write besides the text/* types. */
    private static final Set<String> NON_TEXT_SPLIT_MIMES = Set.of("application/javascript", "image/svg+xml");
    private static final Set<String> BUNDLE_OUTPUTS = Set.of("execute_result", "display_data");

    private Rwbase() {
    }

    /**
     * rejoin_lines: a list-of-strings source is joined in every cell; in attachments and in
     * execute_result/display_data data, every list-of-strings value is joined whatever its type
     * (image/png too, and [] becomes "") except JSON types; any other output's list "text" is
     * joined (error outputs included, though only stream text is split again on write).
     */
    static void rejoinLines(ObjectNode nb) throws NotebookFileException {
        int index = 0;
        for (JsonNode c : nb.path("cells")) {
            ObjectNode cell = (ObjectNode) c;
            String where = "cell " + index++;
            if (cell.get("source") instanceof ArrayNode lines) {
                cell.put("source", joinOrRefuse(lines, where + "'s source"));
            }
            for (JsonNode attachment : objectValues(cell.get("attachments"))) {
                rejoinMimebundle(attachment);
            }
            if (!"code".equals(cell.path("cell_type").textValue())) {
                continue;
            }
            for (JsonNode output : cell.path("outputs")) {
                if (!(output instanceof ObjectNode o)) {
                    continue;
                }
                JsonNode type = o.get("output_type");
                if (type != null && type.isTextual() && BUNDLE_OUTPUTS.contains(type.textValue())) {
                    rejoinMimebundle(o.get("data"));
                } else if (pythonTruthy(type) && o.get("text") instanceof ArrayNode lines) {
                    o.put("text", joinOrRefuse(lines, where + "'s output text"));
                }
            }
        }
    }

    /** split_lines: source of every cell; text/*, JS and SVG in attachments and bundles; stream text. */
    static void splitLines(ObjectNode nb) {
        for (JsonNode c : nb.path("cells")) {
            if (!(c instanceof ObjectNode cell)) {
                continue;
            }
            if (cell.get("source") instanceof TextNode source) {
                cell.set("source", lines(source.textValue()));
            }
            for (JsonNode attachment : objectValues(cell.get("attachments"))) {
                splitMimebundle(attachment);
            }
            if (!"code".equals(cell.path("cell_type").textValue())) {
                continue;
            }
            for (JsonNode output : cell.path("outputs")) {
                if (!(output instanceof ObjectNode o)) {
                    continue;
                }
                String type = o.path("output_type").textValue();
                if (type != null && BUNDLE_OUTPUTS.contains(type)) {
                    splitMimebundle(o.get("data"));
                } else if ("stream".equals(type) && o.get("text") instanceof TextNode text) {
                    o.set("text", lines(text.textValue()));
                }
            }
        }
    }

    /**
     * strip_transient: the notebook metadata's orig_nbformat, orig_nbformat_minor and signature,
     * and each cell metadata's trusted. Nothing else: an output's "transient" (display_id) is not
     * touched by nbformat and so is kept.
     */
    static void stripTransient(ObjectNode nb) {
        if (nb.get("metadata") instanceof ObjectNode metadata) {
            metadata.remove(List.of("orig_nbformat", "orig_nbformat_minor", "signature"));
        }
        for (JsonNode cell : nb.path("cells")) {
            if (cell.get("metadata") instanceof ObjectNode metadata) {
                metadata.remove("trusted");
            }
        }
    }

    private static void rejoinMimebundle(JsonNode data) {
        if (!(data instanceof ObjectNode bundle)) {
            return;
        }
        for (Map.Entry<String, JsonNode> e : new ArrayList<>(bundle.properties())) {
            if (!isJsonMime(e.getKey()) && e.getValue() instanceof ArrayNode lines && allStrings(lines)) {
                bundle.put(e.getKey(), join(lines));
            }
        }
    }

    private static void splitMimebundle(JsonNode data) {
        if (!(data instanceof ObjectNode bundle)) {
            return;
        }
        for (Map.Entry<String, JsonNode> e : new ArrayList<>(bundle.properties())) {
            String mime = e.getKey();
            if (e.getValue() instanceof TextNode text && (mime.startsWith("text/") || NON_TEXT_SPLIT_MIMES.contains(mime))) {
                bundle.set(mime, lines(text.textValue()));
            }
        }
    }

    /** _is_json_mime: application/json and application/*+json values are data, never lines. */
    private static boolean isJsonMime(String mime) {
        return mime.equals("application/json") || (mime.startsWith("application/") && mime.endsWith("+json"));
    }

    /** Python's "".join raises TypeError on a non-string, so nbformat cannot read such a file either. */
    private static String joinOrRefuse(ArrayNode lines, String what) throws NotebookFileException {
        if (!allStrings(lines)) {
            throw new NotebookFileException("not a valid notebook: " + what + " is a list with an item that is not a string");
        }
        return join(lines);
    }

    private static boolean allStrings(ArrayNode lines) {
        for (JsonNode line : lines) {
            if (!line.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static String join(ArrayNode lines) {
        StringBuilder b = new StringBuilder();
        for (JsonNode line : lines) {
            b.append(line.textValue());
        }
        return b.toString();
    }

    private static ArrayNode lines(String text) {
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        PythonLines.splitKeepEnds(text).forEach(array::add);
        return array;
    }

    private static Iterable<JsonNode> objectValues(JsonNode node) {
        List<JsonNode> values = new ArrayList<>();
        if (node instanceof ObjectNode o) {
            o.elements().forEachRemaining(values::add);
        }
        return values;
    }

    /** Python's truth value of output.get("output_type", ""): false for a missing key, "", 0, false, null, [], {}. */
    private static boolean pythonTruthy(JsonNode v) {
        if (v == null || v.isNull()) {
            return false;
        }
        if (v.isTextual() || v.isContainerNode()) {
            return v.isTextual() ? !v.textValue().isEmpty() : !v.isEmpty();
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isNumber()) {
            return v.isIntegralNumber() ? v.bigIntegerValue().signum() != 0 : v.doubleValue() != 0;
        }
        return true;
    }
}
