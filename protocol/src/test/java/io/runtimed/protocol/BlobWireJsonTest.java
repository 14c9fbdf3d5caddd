package io.runtimed.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PROTOCOL.md §5 and BLOBS.md §2: the exact JSON of the blob channel and of the sidecar. */
class BlobWireJsonTest {
    private static final String HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static String json(Object value) {
        return new String(Json.compact(value), StandardCharsets.UTF_8);
    }

    private static <T> T parse(String text, Class<T> type) throws MalformedMessageException {
        return Json.parse(text.getBytes(StandardCharsets.UTF_8), type);
    }

    @Nested
    class Requests {
        @Test
        void storeIsTaggedByActionWithTheMediaType() throws Exception {
            assertThat(json(new BlobRequest.Store("image/png"))).isEqualTo("{\"action\":\"store\",\"media_type\":\"image/png\"}");
            assertThat(parse("{\"action\":\"store\",\"media_type\":\"image/png\"}", BlobRequest.class))
                    .isEqualTo(new BlobRequest.Store("image/png"));
        }

        @Test
        void getPortIsJustTheAction() throws Exception {
            assertThat(json(new BlobRequest.GetPort())).isEqualTo("{\"action\":\"get_port\"}");
            assertThat(parse("{\"action\":\"get_port\"}", BlobRequest.class)).isEqualTo(new BlobRequest.GetPort());
        }

        @Test
        void anyKeyOrderWhitespaceAndExtraKeysAreAccepted() throws Exception {
            assertThat(parse(" { \"media_type\" : \"\", \"x\": 1, \"action\" : \"store\" } ", BlobRequest.class))
                    .isEqualTo(new BlobRequest.Store(""));
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "not json", "{}", "{\"action\":\"Store\",\"media_type\":\"a\"}", "{\"action\":\"store\"}",
            "{\"action\":\"store\",\"media_type\":5}", "{\"action\":\"delete\"}", "{\"Store\":{\"media_type\":\"a\"}}", "null"})
        void malformedRequestsAreRejected(String text) {
            assertThatThrownBy(() -> parse(text, BlobRequest.class)).isInstanceOf(MalformedMessageException.class);
        }
    }

    @Nested
    class Responses {
        @Test
        void theThreeAnswersAreUntagged() {
            assertThat(json(new BlobResponse.Stored(HASH))).isEqualTo("{\"hash\":\"" + HASH + "\"}");
            assertThat(json(new BlobResponse.Port(41234))).isEqualTo("{\"port\":41234}");
            assertThat(json(new BlobResponse.Error(BlobResponse.Error.NOT_RUNNING))).isEqualTo("{\"error\":\"blob server not running\"}");
        }

        @Test
        void readersDecideByTheKeyPresentAndIgnoreOthers() throws Exception {
            assertThat(parse("{\"hash\":\"" + HASH + "\"}", BlobResponse.class)).isEqualTo(new BlobResponse.Stored(HASH));
            assertThat(parse("{\"extra\":true,\"port\":41234}", BlobResponse.class)).isEqualTo(new BlobResponse.Port(41234));
            assertThat(parse("{\"error\":\"disk full\"}", BlobResponse.class)).isEqualTo(new BlobResponse.Error("disk full"));
        }

        @Test
        void eachRecordAlsoParsesAsItself() throws Exception {
            assertThat(parse("{\"port\":1}", BlobResponse.Port.class)).isEqualTo(new BlobResponse.Port(1));
        }

        @ParameterizedTest
        @ValueSource(strings = {"{}", "{\"hash\":1}", "{\"port\":\"80\"}", "{\"port\":70000}", "[]", "{\"type\":\"pong\"}"})
        void answersWithoutAKnownKeyAreRejected(String text) {
            assertThatThrownBy(() -> parse(text, BlobResponse.class)).isInstanceOf(MalformedMessageException.class);
        }
    }

    @Nested
    class Sidecar {
        @Test
        void fieldsAreCompactAndInTheSpecsOrder() {
            BlobMeta meta = new BlobMeta("image/png", 45000, Instant.parse("2026-02-23T12:00:00.123456789Z"));
            assertThat(json(meta)).isEqualTo(
                    "{\"media_type\":\"image/png\",\"size\":45000,\"created_at\":\"2026-02-23T12:00:00.123456789Z\"}");
        }

        @Test
        void aZeroFractionIsOmittedAndOthersUseThreeSixOrNineDigits() {
            assertThat(new BlobMeta("a", 0, Instant.parse("2026-02-23T12:00:00Z")).createdAtText()).isEqualTo("2026-02-23T12:00:00Z");
            assertThat(new BlobMeta("a", 0, Instant.parse("2026-02-23T12:00:00.5Z")).createdAtText()).isEqualTo("2026-02-23T12:00:00.500Z");
            assertThat(new BlobMeta("a", 0, Instant.parse("2026-02-23T12:00:00.000001Z")).createdAtText()).isEqualTo("2026-02-23T12:00:00.000001Z");
        }

        @Test
        void anyRfc3339TimestampIsRead() throws Exception {
            BlobMeta meta = parse("{\"created_at\":\"2026-02-23T13:00:00+01:00\",\"size\":3,\"media_type\":\"text/plain\"}", BlobMeta.class);
            assertThat(meta).isEqualTo(new BlobMeta("text/plain", 3, Instant.parse("2026-02-23T12:00:00Z")));
        }
    }

    @Nested
    class Hashes {
        @Test
        void sixtyFourHexDigitsOfEitherCaseAreValid() {
            assertThat(BlobHash.isValid(HASH)).isTrue();
            assertThat(BlobHash.isValid(HASH.toUpperCase())).isTrue();
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "..", "%2e%2e%2f", "abc", "../../../../etc/passwd",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0", // 63
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a088", // 65
            "gf86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0/",
            "９f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"})
        void anythingElseIsInvalid(String hash) {
            assertThat(BlobHash.isValid(hash)).as("'%s' is a valid hash", hash).isFalse();
        }

        @Test
        void nullIsInvalid() {
            assertThat(BlobHash.isValid(null)).isFalse();
        }

        @Test
        void hexIsLowercase() {
            assertThat(BlobHash.hex(new byte[] {0, (byte) 0xAB, 0x7f, (byte) 0xff})).isEqualTo("00ab7fff");
        }

        @Test
        void aBlobIsNamedByTheSha256OfItsBytes() {
            assertThat(BlobHash.of("test".getBytes(java.nio.charset.StandardCharsets.UTF_8))).isEqualTo(HASH);
        }

        @Test
        void aShardIsTwoHexDigitsLikeAHashsFirstTwo() {
            assertThat(BlobHash.isShard(HASH.substring(0, BlobHash.SHARD_LENGTH))).isTrue();
            assertThat(BlobHash.isShard("9F")).isTrue();
            assertThat(BlobHash.isShard("9")).isFalse();
            assertThat(BlobHash.isShard("9f8")).isFalse();
            assertThat(BlobHash.isShard("..")).isFalse();
            assertThat(BlobHash.isShard("g0")).isFalse();
            assertThat(BlobHash.isShard(null)).isFalse();
        }
    }
}
