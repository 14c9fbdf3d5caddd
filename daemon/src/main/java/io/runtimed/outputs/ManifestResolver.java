package io.runtimed.outputs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.BlobHash;
import io.runtimed.protocol.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * KERNELS.md §8.3: an entry of {@code cells[i].outputs} back to its nbformat output: a 64-hex string
 * (either case) names a manifest in the blob store, anything else is inline nbformat JSON (the
 * legacy form and the §7.2 fallback). Used for display updates and, later, the {@code .ipynb} save.
 * Thread-safe (reads only).
 */
public final class ManifestResolver {
    private final OutputBlobs blobs;

    public ManifestResolver(OutputBlobs blobs) {
        this.blobs = blobs;
    }

    /** §8.3: whether a document entry names a manifest (exactly 64 hex digits). */
    public static boolean isManifestHash(String entry) {
        return entry != null && BlobHash.isValid(entry);
    }

    /**
     * The nbformat object of a document entry. Display and execute results always get
     * {@code metadata} and keep {@code transient}; data of MIME types {@code application/json} or
     * ending in {@code +json} is parsed back to JSON, everything else stays a string.
     *
     * @throws UnresolvableOutputException when the manifest or a blob is missing or does not parse
     */
    public ObjectNode resolve(String entry) throws UnresolvableOutputException {
        if (!isManifestHash(entry)) {
            return parseObject(entry, "output JSON");
        }
        ObjectNode m = parseObject(fetch(entry.toLowerCase(Locale.ROOT)), "manifest " + entry);
        String type = m.path("output_type").asText();
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("output_type", type);
        switch (type) {
            case NbformatOutputs.STREAM -> {
                out.put("name", m.path("name").asText());
                out.put("text", content(m.get("text")));
            }
            case NbformatOutputs.DISPLAY_DATA, NbformatOutputs.EXECUTE_RESULT -> {
                ObjectNode data = out.putObject("data");
                for (Iterator<Map.Entry<String, JsonNode>> it = m.path("data").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String text = content(e.getValue());
                    if (isJsonMime(e.getKey())) {
                        data.set(e.getKey(), parse(text, e.getKey() + " of " + entry));
                    } else {
                        data.put(e.getKey(), text);
                    }
                }
                JsonNode metadata = m.get("metadata");
                out.set("metadata", metadata != null && metadata.isObject() ? metadata : Json.MAPPER.createObjectNode());
                if (type.equals(NbformatOutputs.EXECUTE_RESULT)) {
                    out.set("execution_count", m.has("execution_count") ? m.get("execution_count") : Json.MAPPER.nullNode());
                }
                if (m.has("transient")) {
                    out.set("transient", m.get("transient"));
                }
            }
            case NbformatOutputs.ERROR -> {
                out.put("ename", m.path("ename").asText());
                out.put("evalue", m.path("evalue").asText());
                out.set("traceback", parse(content(m.get("traceback")), "traceback of " + entry));
            }
            default -> throw new UnresolvableOutputException("manifest " + entry + " has unknown output_type '" + type + "'");
        }
        return out;
    }

    static boolean isJsonMime(String mime) {
        return mime.equals("application/json") || mime.endsWith("+json");
    }

    private String content(JsonNode ref) throws UnresolvableOutputException {
        if (ref != null && ref.path("inline").isTextual()) {
            return ref.get("inline").textValue();
        }
        if (ref != null && ref.path("blob").isTextual()) {
            return fetch(ref.get("blob").textValue());
        }
        throw new UnresolvableOutputException("not a content ref: " + ref);
    }

    private String fetch(String hash) throws UnresolvableOutputException {
        Optional<byte[]> bytes;
        try {
            bytes = blobs.get(hash);
        } catch (IOException e) {
            throw new UnresolvableOutputException("blob " + hash + " could not be read: " + e.getMessage());
        }
        return new String(bytes.orElseThrow(() -> new UnresolvableOutputException("blob " + hash + " is missing")),
                StandardCharsets.UTF_8);
    }

    private static ObjectNode parseObject(String text, String what) throws UnresolvableOutputException {
        JsonNode node = parse(text, what);
        if (!node.isObject()) {
            throw new UnresolvableOutputException(what + " is not a JSON object");
        }
        return (ObjectNode) node;
    }

    private static JsonNode parse(String text, String what) throws UnresolvableOutputException {
        try {
            return OutputJson.parse(text);
        } catch (JsonProcessingException e) {
            throw new UnresolvableOutputException(what + " is not valid JSON");
        }
    }
}
