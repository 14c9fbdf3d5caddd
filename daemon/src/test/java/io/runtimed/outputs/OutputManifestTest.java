package io.runtimed.outputs;

import static io.runtimed.outputs.Msgs.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.blob.BlobStore;
import io.runtimed.protocol.BlobHash;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KERNELS.md §8: manifests, content refs, their media types, the fallback, and resolution. */
class OutputManifestTest {
    @TempDir
    Path dir;
    BlobStore store;
    OutputBlobs blobs;
    ManifestResolver resolver;

    @BeforeEach
    void openStore() {
        store = new BlobStore(dir.resolve("blobs"));
        blobs = new OutputBlobs(store);
        resolver = new ManifestResolver(blobs);
    }

    /** Stores the nbformat output and returns the manifest JSON text the hash names. */
    String manifestOf(ObjectNode nb) throws IOException {
        String ref = OutputManifest.store(nb, blobs.session(false));
        assertThat(ref).as("the document gets a lowercase 64-hex hash").matches("[0-9a-f]{64}");
        assertThat(store.meta(ref).orElseThrow().mediaType()).isEqualTo("application/x-jupyter-output+json");
        return new String(store.get(ref).orElseThrow(), StandardCharsets.UTF_8);
    }

    String text(String hash) throws IOException {
        return new String(store.get(hash).orElseThrow(), StandardCharsets.UTF_8);
    }

    @Nested
    class GoldenJson {
        @Test
        void stream() throws IOException {
            assertThat(manifestOf(NbformatOutputs.fromIopub(Msgs.stream("p", "stdout", "hello")).orElseThrow()))
                    .isEqualTo("{\"output_type\":\"stream\",\"name\":\"stdout\",\"text\":{\"inline\":\"hello\"}}");
        }

        @Test
        void displayDataWithABlobImageMetadataAndDisplayId() throws IOException {
            String png = "iVBORw0KGgo" + "A".repeat(9000);
            ObjectNode nb = NbformatOutputs.fromIopub(Msgs.display("p",
                    "{\"text/plain\":\"<Figure>\",\"image/png\":\"" + png + "\"}", "{\"image/png\":{\"width\":640}}", "d1"))
                    .orElseThrow();
            String hash = BlobHash.of(png.getBytes(StandardCharsets.UTF_8));
            assertThat(manifestOf(nb)).isEqualTo("{\"output_type\":\"display_data\",\"data\":{\"image/png\":{\"blob\":\""
                    + hash + "\",\"size\":" + png.length() + "},\"text/plain\":{\"inline\":\"<Figure>\"}},"
                    + "\"metadata\":{\"image/png\":{\"width\":640}},\"transient\":{\"display_id\":\"d1\"}}");
            assertThat(text(hash)).as("an image blob holds the base64 text").isEqualTo(png);
            assertThat(store.meta(hash).orElseThrow().mediaType()).isEqualTo("image/png");
        }

        @Test
        void displayDataWithoutMetadataOrDisplayIdOmitsThem() throws IOException {
            ObjectNode nb = NbformatOutputs.fromIopub(Msgs.display("p", "{\"text/plain\":\"x\"}", "{}", null)).orElseThrow();
            assertThat(manifestOf(nb)).isEqualTo("{\"output_type\":\"display_data\",\"data\":{\"text/plain\":{\"inline\":\"x\"}}}");
        }

        @Test
        void executeResultAlwaysHasItsCount() throws IOException {
            ObjectNode nb = NbformatOutputs.fromIopub(Msgs.executeResult("p", 5, "{\"text/plain\":\"2\"}")).orElseThrow();
            assertThat(manifestOf(nb)).isEqualTo(
                    "{\"output_type\":\"execute_result\",\"data\":{\"text/plain\":{\"inline\":\"2\"}},\"execution_count\":5}");
            ObjectNode noCount = Msgs.json("{\"output_type\":\"execute_result\",\"data\":{},\"metadata\":{},\"execution_count\":null}");
            assertThat(manifestOf(noCount)).isEqualTo("{\"output_type\":\"execute_result\",\"data\":{},\"execution_count\":null}");
        }

        @Test
        void errorWithItsTracebackAsJsonText() throws IOException {
            ObjectNode nb = NbformatOutputs.fromIopub(Msgs.error("p", "ValueError", "bad", "Traceback…", "ValueError: bad"))
                    .orElseThrow();
            assertThat(manifestOf(nb)).isEqualTo("{\"output_type\":\"error\",\"ename\":\"ValueError\",\"evalue\":\"bad\","
                    + "\"traceback\":{\"inline\":\"[\\\"Traceback…\\\",\\\"ValueError: bad\\\"]\"}}");
        }

        @Test
        void aJsonBundleValueIsStoredAsCompactJson() throws IOException {
            String big = "x".repeat(9000);
            ObjectNode nb = NbformatOutputs.fromIopub(Msgs.display("p",
                    "{\"application/json\":{\"b\":[1, 2],\"a\":\"" + big + "\"}}", "{}", null)).orElseThrow();
            ObjectNode m = json(manifestOf(nb));
            String hash = m.path("data").path("application/json").path("blob").asText();
            assertThat(text(hash)).isEqualTo("{\"a\":\"" + big + "\",\"b\":[1,2]}");
            assertThat(store.meta(hash).orElseThrow().mediaType()).isEqualTo("application/json");
        }
    }

    @Nested
    class InlineThreshold {
        @Test
        void textOf8191BytesIsInlineAnd8192BytesIsABlob() throws IOException {
            ObjectNode below = json(manifestOf(NbformatOutputs.stream("stdout", "a".repeat(8191))));
            assertThat(below.path("text").path("inline").asText()).hasSize(8191);
            ObjectNode at = json(manifestOf(NbformatOutputs.stream("stdout", "a".repeat(8192))));
            assertThat(at.path("text").has("inline")).isFalse();
            assertThat(at.path("text").path("size").asLong()).isEqualTo(8192);
            assertThat(store.meta(at.path("text").path("blob").asText()).orElseThrow().mediaType()).isEqualTo("text/plain");
        }

        @Test
        void theThresholdCountsUtf8BytesNotCharacters() throws IOException {
            String text = "é".repeat(4096); // 4096 characters, 8192 bytes
            ObjectNode m = json(manifestOf(NbformatOutputs.stream("stderr", text)));
            assertThat(m.path("text").path("size").asLong()).isEqualTo(8192);
            assertThat(text(m.path("text").path("blob").asText())).isEqualTo(text);
        }

        @Test
        void aLongTracebackIsAnApplicationJsonBlob() throws IOException {
            ObjectNode nb = NbformatOutputs.fromIopub(Msgs.error("p", "E", "v", "t".repeat(9000))).orElseThrow();
            String hash = json(manifestOf(nb)).path("traceback").path("blob").asText();
            assertThat(store.meta(hash).orElseThrow().mediaType()).isEqualTo("application/json");
            assertThat(text(hash)).isEqualTo("[\"" + "t".repeat(9000) + "\"]");
        }
    }

    @Nested
    class SortedKeys {
        @Test
        void identicalOutputsInAnyKeyOrderGetTheSameHash() {
            ObjectNode a = NbformatOutputs.fromIopub(Msgs.display("p",
                    "{\"text/plain\":\"t\",\"text/html\":\"<b>t</b>\",\"application/json\":{\"z\":1,\"a\":{\"y\":2,\"b\":3}}}",
                    "{\"z\":{\"q\":1,\"c\":2},\"a\":true}", null)).orElseThrow();
            ObjectNode b = NbformatOutputs.fromIopub(Msgs.display("p",
                    "{\"application/json\":{\"a\":{\"b\":3,\"y\":2},\"z\":1},\"text/html\":\"<b>t</b>\",\"text/plain\":\"t\"}",
                    "{\"a\":true,\"z\":{\"c\":2,\"q\":1}}", null)).orElseThrow();
            assertThat(OutputManifest.store(a, blobs.session(false))).isEqualTo(OutputManifest.store(b, blobs.session(false)));
        }
    }

    @Nested
    class Fallback {
        @Test
        void aBlobStoreErrorPutsTheNbformatJsonInTheDocument() throws IOException {
            Path notADirectory = dir.resolve("file");
            Files.writeString(notADirectory, "x");
            OutputBlobs broken = new OutputBlobs(new BlobStore(notADirectory));
            ObjectNode nb = NbformatOutputs.fromIopub(Msgs.stream("p", "stdout", "hi\n")).orElseThrow();
            assertThat(OutputManifest.store(nb, broken.session(false)))
                    .isEqualTo("{\"output_type\":\"stream\",\"name\":\"stdout\",\"text\":\"hi\\n\"}");
        }
    }

    @Nested
    class Resolution {
        @Test
        void everyTypeResolvesBackToItsNbformatObject() throws Exception {
            String png = "B".repeat(10_000);
            ObjectNode display = NbformatOutputs.fromIopub(Msgs.display("p",
                    "{\"image/png\":\"" + png + "\",\"application/vnd.custom+json\":{\"k\":[1]},\"text/plain\":\"t\"}",
                    "{\"image/png\":{\"width\":1}}", "d9")).orElseThrow();
            for (ObjectNode nb : new ObjectNode[] {
                    NbformatOutputs.stream("stdout", "s".repeat(9000)),
                    display,
                    NbformatOutputs.fromIopub(Msgs.executeResult("p", 3, "{\"text/plain\":\"3\"}")).orElseThrow(),
                    NbformatOutputs.fromIopub(Msgs.error("p", "E", "v", "l1", "l2")).orElseThrow()}) {
                String ref = OutputManifest.store(nb, blobs.session(false));
                assertThat(resolver.resolve(ref)).as(nb.toString()).isEqualTo(nb);
                assertThat(resolver.resolve(ref.toUpperCase(Locale.ROOT))).as("either case").isEqualTo(nb);
            }
        }

        @Test
        void aDisplayWithoutMetadataResolvesWithAnEmptyObject() throws Exception {
            String ref = OutputManifest.store(NbformatOutputs.display(json("{\"text/plain\":\"x\"}"), null, null),
                    blobs.session(false));
            assertThat(resolver.resolve(ref)).isEqualTo(
                    json("{\"output_type\":\"display_data\",\"data\":{\"text/plain\":\"x\"},\"metadata\":{}}"));
        }

        @Test
        void rawJsonEntriesAreParsedAndMissingManifestsFail() throws Exception {
            assertThat(resolver.resolve("{\"output_type\":\"stream\",\"name\":\"stdout\",\"text\":\"x\"}").path("text").asText())
                    .isEqualTo("x");
            assertThatThrownBy(() -> resolver.resolve("0".repeat(64)))
                    .isInstanceOf(UnresolvableOutputException.class).hasMessageContaining("missing");
            assertThatThrownBy(() -> resolver.resolve("not json"))
                    .isInstanceOf(UnresolvableOutputException.class);
        }
    }
}
