package io.runtimed.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Turns the strings of a cell's {@code outputs} list into nbformat output objects (KERNELS.md
 * §8.3): a 64-hex string is a manifest hash, fetched from the blob store's HTTP server with its
 * content refs resolved (§8.1, §8.2); anything else is an nbformat JSON object as it is. Resolved
 * outputs are cached by string (a manifest never changes: its name is its hash). Thread-safe.
 */
public final class OutputResolver {
    private static final Pattern MANIFEST_HASH = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(30);

    /** Where the blob store's HTTP server listens. */
    interface BlobPort {
        OptionalInt find() throws DaemonClientException;
    }

    private final BlobPort blobs;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(HTTP_TIMEOUT).build();
    private final Map<String, ObjectNode> cache = new ConcurrentHashMap<>();
    private volatile int port = -1;

    public OutputResolver(BlobClient blobs) {
        this(blobs::port);
    }

    OutputResolver(BlobPort blobs) {
        this.blobs = blobs;
    }

    /** §8.3: readers tell a manifest hash from inline JSON by this test alone. */
    public static boolean isManifestHash(String output) {
        return MANIFEST_HASH.matcher(output).matches();
    }

    /** All of {@code outputs}, in order. */
    public List<ObjectNode> resolveAll(List<String> outputs) throws DaemonClientException {
        List<ObjectNode> out = new ArrayList<>(outputs.size());
        for (String o : outputs) {
            out.add(resolve(o));
        }
        return out;
    }

    /** One entry of a cell's {@code outputs} as an nbformat output object. */
    public ObjectNode resolve(String output) throws DaemonClientException {
        ObjectNode cached = cache.get(output);
        if (cached != null) {
            return cached.deepCopy();
        }
        ObjectNode resolved = isManifestHash(output) ? fromManifest(output.toLowerCase()) : parseObject(output, "output");
        cache.put(output, resolved);
        return resolved.deepCopy();
    }

    private ObjectNode fromManifest(String hash) throws DaemonClientException {
        ObjectNode m = parseObject(fetch(hash), "manifest " + hash);
        ObjectNode out = Json.MAPPER.createObjectNode();
        String type = m.path("output_type").asText();
        out.put("output_type", type);
        switch (type) {
            case "stream" -> {
                out.put("name", m.path("name").asText());
                out.put("text", text(m.get("text")));
            }
            case "error" -> {
                out.put("ename", m.path("ename").asText());
                out.put("evalue", m.path("evalue").asText());
                out.set("traceback", parse(text(m.get("traceback")), "traceback of " + hash));
            }
            case "display_data", "execute_result" -> {
                ObjectNode data = out.putObject("data");
                Iterator<Map.Entry<String, JsonNode>> it = m.path("data").fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String mime = e.getKey();
                    String value = text(e.getValue());
                    // §8.3: JSON media types are parsed back, everything else stays a string
                    if (mime.equals("application/json") || mime.endsWith("+json")) {
                        data.set(mime, parse(value, mime + " of " + hash));
                    } else {
                        data.put(mime, value);
                    }
                }
                JsonNode metadata = m.get("metadata");
                out.set("metadata", metadata != null && metadata.isObject() ? metadata : Json.MAPPER.createObjectNode());
                if (m.has("transient")) {
                    out.set("transient", m.get("transient"));
                }
                if (type.equals("execute_result")) {
                    out.set("execution_count", m.get("execution_count"));
                }
            }
            default -> throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL,
                    "Unknown output_type in manifest " + hash + ": " + type);
        }
        return out;
    }

    /** §8.1: {@code {"inline":"…"}} or {@code {"blob":"<hash>","size":n}}. */
    private String text(JsonNode ref) throws DaemonClientException {
        if (ref == null || !ref.isObject()) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Not a content ref: " + ref);
        }
        if (ref.has("inline")) {
            return ref.get("inline").asText();
        }
        if (ref.has("blob")) {
            return fetch(ref.get("blob").asText());
        }
        throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Not a content ref: " + ref);
    }

    private String fetch(String hash) throws DaemonClientException {
        String url = BlobClient.url(port(), hash);
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(HTTP_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new DaemonClientException(DaemonClientException.Kind.DAEMON_ERROR,
                        "Blob " + hash + " not readable: HTTP " + r.statusCode());
            }
            return new String(r.body(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DaemonClientException(DaemonClientException.Kind.NOT_REACHABLE,
                    "Blob server not reachable at " + url + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "Interrupted while reading blob " + hash, e);
        }
    }

    private int port() throws DaemonClientException {
        int p = port;
        if (p < 0) {
            OptionalInt found = blobs.find();
            if (found.isEmpty()) {
                throw new DaemonClientException(DaemonClientException.Kind.DAEMON_ERROR,
                        "blob server not running: cannot read output manifests");
            }
            port = p = found.getAsInt();
        }
        return p;
    }

    private static ObjectNode parseObject(String json, String what) throws DaemonClientException {
        JsonNode n = parse(json, what);
        if (!n.isObject()) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, what + " is not a JSON object");
        }
        return (ObjectNode) n;
    }

    private static JsonNode parse(String json, String what) throws DaemonClientException {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL,
                    what + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
