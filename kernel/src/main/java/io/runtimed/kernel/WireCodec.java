package io.runtimed.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Jupyter wire format: identities…, {@code <IDS|MSG>}, signature, header, parent_header,
 * metadata, content, buffers…. Signs what it encodes and verifies what it decodes; a frame set that
 * does not verify never becomes a {@link KernelMessage}. Not thread-safe (its signer is not).
 */
final class WireCodec {
    static final byte[] DELIMITER = "<IDS|MSG>".getBytes(StandardCharsets.US_ASCII);

    private final MessageSigner signer;

    WireCodec(String key) {
        this.signer = new MessageSigner(key);
    }

    /** The frames of {@code message}, signed. */
    List<byte[]> encode(KernelMessage message) {
        byte[] header = Json.compact(message.header());
        byte[] parent = Json.compact(message.parentHeader());
        byte[] metadata = Json.compact(message.metadata());
        byte[] content = Json.compact(message.content());
        List<byte[]> frames = new ArrayList<>(message.identities().size() + 6 + message.buffers().size());
        frames.addAll(message.identities());
        frames.add(DELIMITER);
        frames.add(signer.sign(header, parent, metadata, content));
        frames.add(header);
        frames.add(parent);
        frames.add(metadata);
        frames.add(content);
        frames.addAll(message.buffers());
        return frames;
    }

    /** The message in {@code frames}, once its signature is verified. */
    KernelMessage decode(List<byte[]> frames) throws MalformedKernelMessageException {
        int delimiter = -1;
        for (int i = 0; i < frames.size(); i++) {
            if (Arrays.equals(frames.get(i), DELIMITER)) {
                delimiter = i;
                break;
            }
        }
        if (delimiter < 0) {
            throw new MalformedKernelMessageException("no <IDS|MSG> delimiter");
        }
        if (frames.size() < delimiter + 6) {
            throw new MalformedKernelMessageException("expected 5 frames after <IDS|MSG>, got " + (frames.size() - delimiter - 1));
        }
        byte[] signature = frames.get(delimiter + 1);
        byte[] header = frames.get(delimiter + 2);
        byte[] parent = frames.get(delimiter + 3);
        byte[] metadata = frames.get(delimiter + 4);
        byte[] content = frames.get(delimiter + 5);
        if (!signer.verify(signature, header, parent, metadata, content)) {
            throw new MalformedKernelMessageException("bad signature");
        }
        return new KernelMessage(frames.subList(0, delimiter), object(header, "header"), object(parent, "parent_header"),
                object(metadata, "metadata"), object(content, "content"),
                frames.subList(delimiter + 6, frames.size()));
    }

    private static ObjectNode object(byte[] json, String part) throws MalformedKernelMessageException {
        try {
            JsonNode node = Json.MAPPER.readTree(json);
            if (node instanceof ObjectNode object) {
                return object;
            }
            throw new MalformedKernelMessageException(part + " is not a JSON object");
        } catch (IOException e) {
            throw new MalformedKernelMessageException(part + " is not valid JSON: " + e.getMessage());
        }
    }
}
