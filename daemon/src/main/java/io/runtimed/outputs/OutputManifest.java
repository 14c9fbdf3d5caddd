package io.runtimed.outputs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
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
     * The manifest of {@code nbformat} as compact JSON bytes (§8.2 field order; {@code metadata}
     * omitted when empty, {@code transient} without a display id, {@code execution_count} always
     * for execute_result), storing content of 8192 UTF-8 bytes or more as blobs through
     * {@code blobs}. Written in one pass with the mapper's own generator (the same bytes its tree
     * would give): on a result's way to the windows, no tree is built and walked again.
     */
    static byte[] write(ObjectNode nbformat, OutputBlobs.Session blobs) throws IOException {
        String type = nbformat.path("output_type").asText();
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = Json.MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("output_type", type);
            switch (type) {
                case NbformatOutputs.STREAM -> {
                    g.writeStringField("name", nbformat.path("name").asText());
                    g.writeFieldName("text");
                    ContentRef.of(nbformat.path("text").asText(), ContentRef.TEXT_PLAIN, blobs).write(g);
                }
                case NbformatOutputs.DISPLAY_DATA, NbformatOutputs.EXECUTE_RESULT -> {
                    g.writeObjectFieldStart("data");
                    JsonNode bundle = nbformat.path("data");
                    List<String> mediaTypes = new ArrayList<>(bundle.size());
                    bundle.fieldNames().forEachRemaining(mediaTypes::add);
                    mediaTypes.sort(null);
                    for (String mediaType : mediaTypes) {
                        g.writeFieldName(mediaType);
                        ContentRef.of(ContentRef.bundleText(OutputJson.sorted(bundle.get(mediaType))), mediaType, blobs).write(g);
                    }
                    g.writeEndObject();
                    JsonNode metadata = nbformat.get("metadata");
                    if (metadata != null && metadata.isObject() && metadata.size() > 0) {
                        g.writeFieldName("metadata");
                        g.writeTree(OutputJson.sorted(metadata));
                    }
                    if (type.equals(NbformatOutputs.EXECUTE_RESULT)) {
                        JsonNode count = nbformat.get("execution_count");
                        g.writeFieldName("execution_count");
                        g.writeTree(count == null ? Json.MAPPER.nullNode() : count);
                    }
                    String displayId = NbformatOutputs.displayId(nbformat);
                    if (displayId != null) {
                        g.writeObjectFieldStart("transient");
                        g.writeStringField("display_id", displayId);
                        g.writeEndObject();
                    }
                }
                case NbformatOutputs.ERROR -> {
                    g.writeStringField("ename", nbformat.path("ename").asText());
                    g.writeStringField("evalue", nbformat.path("evalue").asText());
                    String traceback = OutputJson.compact(nbformat.path("traceback").isArray()
                            ? nbformat.get("traceback") : Json.MAPPER.createArrayNode());
                    g.writeFieldName("traceback");
                    ContentRef.of(traceback, ContentRef.APPLICATION_JSON, blobs).write(g);
                }
                default -> throw new IllegalArgumentException("not an nbformat output type: " + type);
            }
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /**
     * §7.2 step 2: builds and stores the manifest and returns the string for the document: the
     * manifest's hash, or on a blob-store error the nbformat JSON itself.
     */
    static String store(ObjectNode nbformat, OutputBlobs.Session blobs) {
        try {
            byte[] bytes = write(nbformat, blobs);
            return blobs.put(bytes, MEDIA_TYPE);
        } catch (IOException e) {
            LOG.warn("could not store an output manifest ({}); the document gets the output's JSON", e.getMessage());
            return OutputJson.compact(nbformat);
        }
    }
}
