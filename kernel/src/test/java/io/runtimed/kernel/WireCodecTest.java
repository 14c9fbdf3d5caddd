package io.runtimed.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class WireCodecTest {
    private static final String KEY = "0f3c5e1a-1111-4222-8333-444455556666";

    private static KernelMessage sample() {
        ObjectNode content = Json.MAPPER.createObjectNode();
        content.put("code", "1+1");
        return new KernelMessage(List.of(), Headers.create("execute_request", "session-1"),
                Json.MAPPER.createObjectNode(), Json.MAPPER.createObjectNode(), content,
                List.of(new byte[] {1, 2, 3}));
    }

    @Nested
    class Encoding {
        @Test
        void framesAreDelimiterSignatureFourJsonPartsAndBuffers() {
            List<byte[]> frames = new WireCodec(KEY).encode(sample());

            assertThat(frames).hasSize(7);
            assertThat(new String(frames.get(0), StandardCharsets.US_ASCII)).isEqualTo("<IDS|MSG>");
            assertThat(new String(frames.get(1), StandardCharsets.US_ASCII)).matches("[0-9a-f]{64}");
            assertThat(new String(frames.get(3), StandardCharsets.UTF_8)).isEqualTo("{}");
            assertThat(new String(frames.get(5), StandardCharsets.UTF_8)).isEqualTo("{\"code\":\"1+1\"}");
            assertThat(frames.get(6)).containsExactly(1, 2, 3);
        }

        @Test
        void signatureIsWhatPythonsHmacComputesOverTheFourParts() throws Exception {
            List<byte[]> frames = new WireCodec(KEY).encode(sample());
            String script = "import hmac,hashlib,sys\n"
                    + "parts=[bytes.fromhex(p) for p in sys.argv[2:]]\n"
                    + "h=hmac.new(sys.argv[1].encode(),digestmod=hashlib.sha256)\n"
                    + "[h.update(p) for p in parts]\n"
                    + "print(h.hexdigest())";
            List<String> command = new ArrayList<>(List.of(KernelFixture.PYTHON.toString(), "-c", script, KEY));
            for (int i = 2; i <= 5; i++) {
                command.add(java.util.HexFormat.of().formatHex(frames.get(i)));
            }
            Process python = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();

            assertThat(python.waitFor()).isZero();
            assertThat(out).isEqualTo(new String(frames.get(1), StandardCharsets.US_ASCII));
        }

        @Test
        void headersCarryRuntimelibsFields() {
            ObjectNode header = Headers.create("kernel_info_request", "s-1");

            assertThat(header.fieldNames()).toIterable()
                    .containsExactly("msg_id", "username", "session", "date", "msg_type", "version");
            assertThat(header.get("username").asText()).isEqualTo("runtimelib");
            assertThat(header.get("version").asText()).isEqualTo("5.3");
            assertThat(header.get("session").asText()).isEqualTo("s-1");
            assertThat(header.get("date").asText()).endsWith("Z");
            assertThat(Instant.parse(header.get("date").asText())).isBeforeOrEqualTo(Instant.now());
        }
    }

    @Nested
    class Decoding {
        @Test
        void aSignedMessageRoundTripsWithItsIdentities() throws Exception {
            WireCodec codec = new WireCodec(KEY);
            List<byte[]> frames = new ArrayList<>();
            frames.add("kernel.abc.status".getBytes(StandardCharsets.UTF_8));
            frames.addAll(codec.encode(sample()));

            KernelMessage decoded = codec.decode(frames);

            assertThat(decoded.identities()).hasSize(1);
            assertThat(new String(decoded.identities().get(0), StandardCharsets.UTF_8)).isEqualTo("kernel.abc.status");
            assertThat(decoded.header()).isEqualTo(sample().header().deepCopy().put("msg_id", decoded.msgId())
                    .put("date", decoded.header().get("date").asText()));
            assertThat(decoded.content().get("code").asText()).isEqualTo("1+1");
            assertThat(decoded.buffers()).singleElement().satisfies(b -> assertThat(b).containsExactly(1, 2, 3));
        }

        @Test
        void aTamperedContentIsRejected() {
            WireCodec codec = new WireCodec(KEY);
            List<byte[]> frames = new ArrayList<>(codec.encode(sample()));
            frames.set(5, "{\"code\":\"import os; os.system('rm -rf ~')\"}".getBytes(StandardCharsets.UTF_8));

            assertThatThrownBy(() -> codec.decode(frames))
                    .isInstanceOf(MalformedKernelMessageException.class).hasMessage("bad signature");
        }

        @Test
        void aMessageSignedWithAnotherKeyIsRejected() {
            List<byte[]> frames = new WireCodec("another-key").encode(sample());

            assertThatThrownBy(() -> new WireCodec(KEY).decode(frames)).hasMessage("bad signature");
        }

        @Test
        void framesWithoutTheDelimiterAreRejected() {
            assertThatThrownBy(() -> new WireCodec(KEY).decode(List.of("{}".getBytes(StandardCharsets.UTF_8))))
                    .hasMessageContaining("delimiter");
        }
    }

    @Nested
    class ClientMessages {
        @Test
        void aClientMessageKeepsItsHeaderAndDefaultsItsOptionalParts() {
            ObjectNode message = Json.MAPPER.createObjectNode();
            ObjectNode header = message.putObject("header");
            header.put("msg_id", "client-1").put("msg_type", "comm_msg").put("session", "client-session")
                    .put("username", "frontend").put("date", "2026-01-01T00:00:00Z").put("version", "5.3");
            message.putObject("content").put("comm_id", "c1");

            KernelMessage forwarded = KernelMessage.fromJupyter(message, List.of());

            assertThat(forwarded.header()).isEqualTo(header);
            assertThat(forwarded.parentHeader()).isEmpty();
            assertThat(forwarded.metadata()).isEmpty();
            assertThat(forwarded.content().get("comm_id").asText()).isEqualTo("c1");
        }
    }
}
