package io.runtimed.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import java.util.List;

/**
 * One Jupyter message as it travels between the daemon and a kernel (Jupyter messaging protocol
 * 5.3): the routing identities that came before the {@code <IDS|MSG>} delimiter, the four JSON
 * parts, and the binary buffers after them. The signature is not kept: a message is only built
 * from frames whose signature was verified, and signed again when it is sent.
 *
 * @param identities   ZeroMQ routing prefix (the topic on iopub); empty for messages we send
 * @param header       {@code msg_id}, {@code msg_type}, {@code session}, {@code username},
 *                     {@code date}, {@code version}
 * @param parentHeader the header of the request this answers; {@code {}} when none
 * @param metadata     {@code {}} when none
 * @param content      the message type's content
 * @param buffers      binary buffers (widgets), possibly empty
 */
public record KernelMessage(List<byte[]> identities, ObjectNode header, ObjectNode parentHeader,
                            ObjectNode metadata, ObjectNode content, List<byte[]> buffers) {

    public KernelMessage {
        identities = List.copyOf(identities);
        buffers = List.copyOf(buffers);
    }

    /** A new request from us: fresh header in {@code session}, no parent, {@code metadata} {}. */
    public static KernelMessage request(String msgType, ObjectNode content, String session) {
        return new KernelMessage(List.of(), Headers.create(msgType, session), Json.MAPPER.createObjectNode(),
                Json.MAPPER.createObjectNode(), content, List.of());
    }

    /**
     * A client-built Jupyter message (KERNELS.md §7.8 send_comm) as it is forwarded: its header
     * unchanged; a missing or non-object parent header or metadata becomes {@code {}}.
     */
    public static KernelMessage fromJupyter(ObjectNode message, List<byte[]> buffers) {
        if (!(message.get("header") instanceof ObjectNode header)) {
            throw new IllegalArgumentException("message has no header object");
        }
        ObjectNode content = message.get("content") instanceof ObjectNode c ? c : Json.MAPPER.createObjectNode();
        return new KernelMessage(List.of(), header, objectOrEmpty(message.get("parent_header")),
                objectOrEmpty(message.get("metadata")), content, buffers);
    }

    private static ObjectNode objectOrEmpty(JsonNode node) {
        return node instanceof ObjectNode object ? object : Json.MAPPER.createObjectNode();
    }

    public String msgType() {
        return text(header, "msg_type");
    }

    public String msgId() {
        return text(header, "msg_id");
    }

    /** The {@code msg_id} of the parent header, or null when the message has no parent. */
    public String parentMsgId() {
        return text(parentHeader, "msg_id");
    }

    private static String text(ObjectNode node, String field) {
        if (node == null) {
            return null;
        }
        JsonNode value = node.get(field);
        return value == null || !value.isTextual() ? null : value.asText();
    }
}
