package io.runtimed.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import java.io.IOException;
import java.util.Objects;

/**
 * PROTOCOL.md §5: the blob channel's answers are untagged, exactly one of
 * {@code {"hash":"…"}}, {@code {"port":N}} and {@code {"error":"…"}}. A reader decides by which key
 * is present, in that order, and ignores any other key.
 */
@JsonDeserialize(using = BlobResponse.ByKey.class)
public sealed interface BlobResponse {
    /** The blob is stored under this hash (64 lowercase hex). */
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record Stored(String hash) implements BlobResponse {
        public Stored {
            Objects.requireNonNull(hash, "hash is required");
        }
    }

    /** The HTTP read server's port. */
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record Port(int port) implements BlobResponse {
        public Port {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        }
    }

    /** The request failed; reference clients show the text as it is. */
    @JsonDeserialize(using = JsonDeserializer.None.class)
    record Error(String error) implements BlobResponse {
        /** PROTOCOL.md §5: the answer to get_port when the HTTP server did not start. */
        public static final String NOT_RUNNING = "blob server not running";

        public Error {
            Objects.requireNonNull(error, "error is required");
        }
    }

    /** Untagged: the variant is the first of hash, port, error present in the object. */
    final class ByKey extends StdDeserializer<BlobResponse> {
        ByKey() {
            super(BlobResponse.class);
        }

        @Override
        public BlobResponse deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode node = p.readValueAsTree();
            if (node == null || !node.isObject()) {
                return ctxt.reportInputMismatch(BlobResponse.class, "expected a JSON object");
            }
            if (node.has("hash")) {
                if (!node.get("hash").isTextual()) {
                    return ctxt.reportInputMismatch(BlobResponse.class, "\"hash\" is not a string");
                }
                return new Stored(node.get("hash").textValue());
            }
            if (node.has("port")) {
                JsonNode port = node.get("port");
                if (!port.canConvertToInt() || !port.isIntegralNumber() || port.intValue() < 0 || port.intValue() > 65_535) {
                    return ctxt.reportInputMismatch(BlobResponse.class, "\"port\" is not a port number");
                }
                return new Port(port.intValue());
            }
            if (node.has("error")) {
                if (!node.get("error").isTextual()) {
                    return ctxt.reportInputMismatch(BlobResponse.class, "\"error\" is not a string");
                }
                return new Error(node.get("error").textValue());
            }
            return ctxt.reportInputMismatch(BlobResponse.class, "none of \"hash\", \"port\", \"error\" present");
        }
    }
}
