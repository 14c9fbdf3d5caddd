package io.runtimed.kernel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/** Headers of the messages the daemon sends (KERNELS.md §5.5): what runtimelib puts in them. */
final class Headers {
    static final String USERNAME = "runtimelib";
    static final String PROTOCOL_VERSION = "5.3";

    private Headers() {
    }

    /** A fresh header: new {@code msg_id}, the given session, the current time in RFC 3339 UTC. */
    static ObjectNode create(String msgType, String session) {
        ObjectNode header = Json.MAPPER.createObjectNode();
        header.put("msg_id", UUID.randomUUID().toString());
        header.put("username", USERNAME);
        header.put("session", session);
        header.put("date", DateTimeFormatter.ISO_INSTANT.format(Instant.now()));
        header.put("msg_type", msgType);
        header.put("version", PROTOCOL_VERSION);
        return header;
    }
}
