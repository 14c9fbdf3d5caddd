package io.runtimed.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.MalformedMessageException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The blob channel while no blob store runs: every request gets the spec's untagged error answer
 * (PROTOCOL.md §5, {@code {"error":"blob server not running"}}), so clients fall back instead of
 * hanging. A store's data frame is consumed (not buffered) so the connection stays in step.
 */
public final class UnavailableBlobChannel implements ChannelHandler {
    static final String NOT_RUNNING = "blob server not running";
    private static final Duration PAYLOAD_TIMEOUT = Duration.ofSeconds(30);

    @Override
    public void serve(Connection connection) throws IOException {
        while (true) {
            byte[] request = connection.frames().readFrame(Frames.CONTROL_MAX, null);
            if (request == null) {
                return;
            }
            JsonNode node = Json.parse(request, JsonNode.class);
            String action = node.path("action").asText("");
            if (action.equals("store")) {
                int length = connection.frames().readLength(Frames.DATA_MAX, PAYLOAD_TIMEOUT);
                if (length < 0) {
                    return; // EOF between request and data: end silently (PROTOCOL.md §5)
                }
                connection.frames().transferPayload(length, DiscardChannel.INSTANCE, PAYLOAD_TIMEOUT);
            } else if (!action.equals("get_port")) {
                throw new MalformedMessageException("unknown blob action: '" + action + "'");
            }
            connection.frames().writeFrame(Json.compact(Map.of("error", NOT_RUNNING)), PAYLOAD_TIMEOUT);
        }
    }

    @Override
    public Optional<byte[]> errorFrame(String message) {
        return Optional.of(Json.compact(Map.of("error", message)));
    }

    /** A sink that drops bytes. */
    private enum DiscardChannel implements java.nio.channels.WritableByteChannel {
        INSTANCE;

        @Override
        public int write(java.nio.ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
