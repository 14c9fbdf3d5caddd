package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * PROTOCOL.md §3: the one answer to a connection whose handshake could not be read, sent before it
 * is closed. No channel was chosen, so it belongs to none; its JSON is {@code
 * {"type":"error","message":…}}, the shape the reference's clients read after any request.
 */
@JsonPropertyOrder({"type", "message"})
public record HandshakeError(String message) {
    public HandshakeError {
        Objects.requireNonNull(message, "message is required");
    }

    @JsonProperty("type")
    public String type() {
        return "error";
    }
}
