package io.runtimed.outputs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KERNELS.md §8.2: the manifest of one nbformat output, its content as {@link ContentRef}s, stored
 * as a blob of {@link #MEDIA_TYPE}; the document gets its lowercase hash. On any blob-store error
 * the document gets the nbformat JSON text instead (§7.2 step 2).
 */
final class OutputManifest {
    private static final Logger LOG = LoggerFactory.getLogger(OutputManifest.class);
    static final String MEDIA_TYPE = "application/x-jupyter-output+json";

    private OutputManifest() {
    }

    /**
     * The manifest of {@code nbformat} (§8.2 field order, compact; {@code metadata} omitted when
     * empty, {@code transient} without a display id, {@code execution_count} always for
     * execute_result), storing content of 8192 UTF-8 bytes or more as blobs through {@code blobs}.
     */
    static ObjectNode build(ObjectNode nbformat, OutputBlobs.Session blobs) throws IOException {
        String type = nbformat.path("output_type").asText();
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("output_type", type);
        switch (type) {
            case NbformatOutputs.STREAM -> {
                m.put("name", nbformat.path("name").asText());
                m.set("text", ContentRef.of(nbformat.path("text").asText(), ContentRef.TEXT_PLAIN, blobs).toJson());
            }
            case NbformatOutputs.DISPLAY_DATA, NbformatOutputs.EXECUTE_RESULT -> {
                ObjectNode data = m.putObject("data");
                JsonNode bundle = OutputJson.sorted(nbformat.path("data"));
                for (Iterator<Map.Entry<String, JsonNode>> it = bundle.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    data.set(e.getKey(), ContentRef.of(ContentRef.bundleText(e.getValue()), e.getKey(), blobs).toJson());
                }
                JsonNode metadata = nbformat.get("metadata");
                if (metadata != null && metadata.isObject() && metadata.size() > 0) {
                    m.set("metadata", OutputJson.sorted(metadata));
                }
                if (type.equals(NbformatOutputs.EXECUTE_RESULT)) {
                    JsonNode count = nbformat.get("execution_count");
                    m.set("execution_count", count == null ? Json.MAPPER.nullNode() : count);
                }
                String displayId = NbformatOutputs.displayId(nbformat);
                if (displayId != null) {
                    m.putObject("transient").put("display_id", displayId);
                }
            }
            case NbformatOutputs.ERROR -> {
                m.put("ename", nbformat.path("ename").asText());
                m.put("evalue", nbformat.path("evalue").asText());
                String traceback = OutputJson.compact(nbformat.path("traceback").isArray()
                        ? nbformat.get("traceback") : Json.MAPPER.createArrayNode());
                m.set("traceback", ContentRef.of(traceback, ContentRef.APPLICATION_JSON, blobs).toJson());
            }
            default -> throw new IllegalArgumentException("not an nbformat output type: " + type);
        }
        return m;
    }

    /**
     * §7.2 step 2: builds and stores the manifest and returns the string for the document: the
     * manifest's hash, or on a blob-store error the nbformat JSON itself.
     */
    static String store(ObjectNode nbformat, OutputBlobs.Session blobs) {
        try {
            ObjectNode manifest = build(nbformat, blobs);
            return blobs.put(OutputJson.compact(manifest).getBytes(StandardCharsets.UTF_8), MEDIA_TYPE);
        } catch (IOException e) {
            LOG.warn("could not store an output manifest ({}); the document gets the output's JSON", e.getMessage());
            return OutputJson.compact(nbformat);
        }
    }
}
