package io.runtimed.outputs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.kernel.KernelMessage;
import io.runtimed.protocol.Json;
import java.util.List;
import java.util.UUID;

/** Kernel messages built by hand, as an ipykernel sends them on iopub (and shell). */
final class Msgs {
    static final String SESSION = "kernel-session-1";

    private Msgs() {
    }

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    static KernelMessage message(String type, String parentMsgId, JsonNode content, byte[]... buffers) {
        ObjectNode header = Json.MAPPER.createObjectNode();
        header.put("msg_id", UUID.randomUUID().toString());
        header.put("msg_type", type);
        header.put("session", SESSION);
        header.put("username", "kernel");
        header.put("date", "2026-02-24T12:00:00.000000Z");
        header.put("version", "5.3");
        ObjectNode parent = Json.MAPPER.createObjectNode();
        if (parentMsgId != null) {
            parent.put("msg_id", parentMsgId);
            parent.put("msg_type", "execute_request");
            parent.put("session", "client-session");
        }
        return new KernelMessage(List.of("kernel.iopub".getBytes()), header, parent, Json.MAPPER.createObjectNode(),
                (ObjectNode) content, List.of(buffers));
    }

    static KernelMessage stream(String parent, String name, String text) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("name", name);
        c.put("text", text);
        return message("stream", parent, c);
    }

    static KernelMessage display(String parent, String dataJson, String metadataJson, String displayId) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.set("data", json(dataJson));
        c.set("metadata", json(metadataJson));
        ObjectNode t = c.putObject("transient");
        if (displayId != null) {
            t.put("display_id", displayId);
        }
        return message("display_data", parent, c);
    }

    static KernelMessage updateDisplay(String parent, String dataJson, String metadataJson, String displayId) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.set("data", json(dataJson));
        c.set("metadata", json(metadataJson));
        c.putObject("transient").put("display_id", displayId);
        return message("update_display_data", parent, c);
    }

    static KernelMessage executeResult(String parent, int count, String dataJson) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("execution_count", count);
        c.set("data", json(dataJson));
        c.putObject("metadata");
        return message("execute_result", parent, c);
    }

    static KernelMessage error(String parent, String ename, String evalue, String... traceback) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("ename", ename);
        c.put("evalue", evalue);
        var tb = c.putArray("traceback");
        for (String t : traceback) {
            tb.add(t);
        }
        return message("error", parent, c);
    }

    static KernelMessage clearOutput(String parent, boolean wait) {
        ObjectNode c = Json.MAPPER.createObjectNode();
        c.put("wait", wait);
        return message("clear_output", parent, c);
    }

    static KernelMessage comm(String type, String contentJson, byte[]... buffers) {
        return message(type, "comm-parent", json(contentJson), buffers);
    }
}
