package io.runtimed.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** DAEMON.md §3–§4: daemon.json as clients read it, and the debug dump of the "already running" error. */
class DaemonInfoTest {
    private static final Instant STARTED = Instant.parse("2025-02-23T12:00:00.123456789Z");
    private static final DaemonInfo SPEC_EXAMPLE = new DaemonInfo(
            "/home/alice/.cache/runt/runtimed.sock", 48213, "0.1.0-dev.2+1a2b3c4", STARTED, 41234);
    private static final String SPEC_EXAMPLE_JSON = String.join("\n",
            "{",
            "  \"endpoint\": \"/home/alice/.cache/runt/runtimed.sock\",",
            "  \"pid\": 48213,",
            "  \"version\": \"0.1.0-dev.2+1a2b3c4\",",
            "  \"started_at\": \"2025-02-23T12:00:00.123456789Z\",",
            "  \"blob_port\": 41234",
            "}");

    @Nested
    class Writing {
        @Test
        void theSpecExampleIsWrittenByteForByte() {
            assertThat(Json.pretty(SPEC_EXAMPLE)).isEqualTo(SPEC_EXAMPLE_JSON);
        }

        @Test
        void blobPortIsOmittedEntirelyWhenTheServerDidNotStart() {
            DaemonInfo noPort = new DaemonInfo("/s.sock", 7, "v", Instant.parse("2025-02-23T12:00:00Z"), null);

            assertThat(Json.pretty(noPort)).isEqualTo(String.join("\n",
                    "{",
                    "  \"endpoint\": \"/s.sock\",",
                    "  \"pid\": 7,",
                    "  \"version\": \"v\",",
                    "  \"started_at\": \"2025-02-23T12:00:00Z\"",
                    "}"));
        }

        @Test
        void windowsPipeNamesAreEscaped() {
            DaemonInfo pipe = new DaemonInfo("\\\\.\\pipe\\runtimed", 7, "v", STARTED, null);

            assertThat(Json.pretty(pipe)).contains("\"endpoint\": \"\\\\\\\\.\\\\pipe\\\\runtimed\"");
        }

        @ParameterizedTest(name = "{0} -> {1}")
        @CsvSource({
                "2025-02-23T12:00:00Z,           2025-02-23T12:00:00Z",
                "2025-02-23T12:00:00.000Z,       2025-02-23T12:00:00Z",
                "2025-02-23T12:00:00.1Z,         2025-02-23T12:00:00.100Z",
                "2025-02-23T12:00:00.120Z,       2025-02-23T12:00:00.120Z",
                "2025-02-23T12:00:00.123Z,       2025-02-23T12:00:00.123Z",
                "2025-02-23T12:00:00.1234Z,      2025-02-23T12:00:00.123400Z",
                "2025-02-23T12:00:00.123456Z,    2025-02-23T12:00:00.123456Z",
                "2025-02-23T12:00:00.1234567Z,   2025-02-23T12:00:00.123456700Z",
                "2025-02-23T12:00:00.123456789Z, 2025-02-23T12:00:00.123456789Z",
                "2025-02-23T12:00:00.000000001Z, 2025-02-23T12:00:00.000000001Z",
        })
        void startedAtUsesTheShortestExactOfZeroThreeSixOrNineFractionDigits(String instant, String expected) {
            DaemonInfo info = new DaemonInfo("/s", 1, "v", Instant.parse(instant), null);

            assertThat(info.startedAtText()).isEqualTo(expected);
            assertThat(Json.pretty(info)).contains("\"started_at\": \"" + expected + "\"");
        }
    }

    @Nested
    class Reading {
        @Test
        void theSpecExampleParsesToTheSameValue() throws MalformedMessageException {
            assertThat(parse(SPEC_EXAMPLE_JSON)).isEqualTo(SPEC_EXAMPLE);
        }

        @Test
        void compactJsonWithoutBlobPortParsesAsNoPort() throws MalformedMessageException {
            DaemonInfo info = parse("{\"endpoint\":\"/s\",\"pid\":1,\"version\":\"v\",\"started_at\":\"2025-02-23T12:00:00Z\"}");

            assertThat(info.blobPort()).isNull();
            assertThat(info.blobPortIfRunning()).isEmpty();
        }

        @Test
        void anExplicitNullBlobPortAlsoMeansNoPort() throws MalformedMessageException {
            DaemonInfo info = parse("{\"endpoint\":\"/s\",\"pid\":1,\"version\":\"v\","
                    + "\"started_at\":\"2025-02-23T12:00:00Z\",\"blob_port\":null}");

            assertThat(info.blobPortIfRunning()).isEmpty();
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({
                "2025-02-23T14:00:00.123456789+02:00, 2025-02-23T12:00:00.123456789Z",
                "2025-02-23T06:30:00-05:30,           2025-02-23T12:00:00Z",
                "2025-02-23t12:00:00z,                2025-02-23T12:00:00Z",
                "2025-02-23t12:00:00.5z,              2025-02-23T12:00:00.500Z",
                "2025-02-23 12:00:00Z,                2025-02-23T12:00:00Z",
                "2025-02-24T00:30:00+12:30,           2025-02-23T12:00:00Z",
        })
        void anyRfc3339TimestampIsAcceptedAndConvertedToUtc(String written, String utc) throws MalformedMessageException {
            DaemonInfo info = parse("{\"endpoint\":\"/s\",\"pid\":1,\"version\":\"v\",\"started_at\":\"" + written + "\"}");

            assertThat(info.startedAt()).isEqualTo(Instant.parse(utc));
            assertThat(info.startedAtText()).isEqualTo(utc);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"yesterday", "2025-02-23T12:00:00", "2025-02-23", "1740312000"})
        void aStartedAtThatIsNotRfc3339IsMalformed(String startedAt) {
            assertThatThrownBy(() -> parse("{\"endpoint\":\"/s\",\"pid\":1,\"version\":\"v\",\"started_at\":\"" + startedAt + "\"}"))
                    .isInstanceOf(MalformedMessageException.class);
        }

        @Test
        void unknownKeysAreIgnored() throws MalformedMessageException {
            String json = "{\"endpoint\":\"/s\",\"pid\":1,\"version\":\"v\",\"started_at\":\"2025-02-23T12:00:00Z\","
                    + "\"blob_port\":40000,\"features\":[\"sync\"],\"host\":{\"name\":\"x\"}}";

            assertThat(parse(json)).isEqualTo(new DaemonInfo("/s", 1, "v", Instant.parse("2025-02-23T12:00:00Z"), 40000));
        }

        private DaemonInfo parse(String json) throws MalformedMessageException {
            return Json.parse(json.getBytes(UTF_8), DaemonInfo.class);
        }
    }

    @Nested
    class Display {
        @Test
        void debugStringIsTheRustDebugDump() {
            assertThat(new DaemonInfo("/home/alice/.cache/runt/runtimed.sock", 1234, "0.1.0+abc1234", STARTED, 40000).debugString())
                    .isEqualTo("DaemonInfo { endpoint: \"/home/alice/.cache/runt/runtimed.sock\", pid: 1234, "
                            + "version: \"0.1.0+abc1234\", started_at: 2025-02-23T12:00:00.123456789Z, blob_port: Some(40000) }");
        }

        @Test
        void debugStringSaysNoneWithoutABlobPort() {
            assertThat(new DaemonInfo("/s", 1234, "v", Instant.parse("2025-02-23T12:00:00Z"), null).debugString())
                    .isEqualTo("DaemonInfo { endpoint: \"/s\", pid: 1234, version: \"v\", "
                            + "started_at: 2025-02-23T12:00:00Z, blob_port: None }");
        }

        @Test
        void debugStringEscapesQuotesAndBackslashesLikeRust() {
            assertThat(new DaemonInfo("\\\\.\\pipe\\run\"timed", 1, "v", STARTED, null).debugString())
                    .startsWith("DaemonInfo { endpoint: \"\\\\\\\\.\\\\pipe\\\\run\\\"timed\", ");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({
                "2025-02-23T12:00:00.123456789Z, 2025-02-23 12:00:00.123456789 UTC",
                "2025-02-23T12:00:00.120Z,       2025-02-23 12:00:00.120 UTC",
                "2025-02-23T12:00:00Z,           2025-02-23 12:00:00 UTC",
        })
        void startedAtHumanIsTheStatusCommandsForm(String instant, String human) {
            assertThat(new DaemonInfo("/s", 1, "v", Instant.parse(instant), null).startedAtHuman()).isEqualTo(human);
        }

        @Test
        void theUnknownPlaceholderHasNoPortAndPidZero() {
            DaemonInfo unknown = DaemonInfo.unknown();

            assertThat(unknown.endpoint()).isEqualTo("unknown");
            assertThat(unknown.version()).isEqualTo("unknown");
            assertThat(unknown.pid()).isZero();
            assertThat(unknown.blobPort()).isNull();
        }
    }

    @Nested
    class TheFile {
        @TempDir
        Path dir;
        private Path path;
        private DaemonInfoFile file;

        @BeforeEach
        void locate() {
            path = dir.resolve("daemon.json");
            file = new DaemonInfoFile(path);
        }

        @Test
        void writeThenReadRoundTrips() throws IOException {
            file.write(SPEC_EXAMPLE);

            assertThat(file.read()).contains(SPEC_EXAMPLE);
        }

        @Test
        void theFileHoldsExactlyThePrettyJsonWithoutATrailingNewline() throws IOException {
            file.write(SPEC_EXAMPLE);

            assertThat(Files.readString(path)).isEqualTo(SPEC_EXAMPLE_JSON);
        }

        @Test
        void writingLeavesNoTemporaryFileBehind() throws IOException {
            file.write(SPEC_EXAMPLE);
            file.write(new DaemonInfo("/other.sock", 2, "v2", STARTED, null));

            try (Stream<Path> entries = Files.list(dir)) {
                assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("daemon.json");
            }
        }

        @Test
        void aSecondWriteReplacesTheFirst() throws IOException {
            DaemonInfo second = new DaemonInfo("/other.sock", 2, "v2", STARTED, null);
            file.write(SPEC_EXAMPLE);
            file.write(second);

            assertThat(file.read()).contains(second);
        }

        @Test
        void aMissingFileIsNoDaemonInfo() {
            assertThat(file.read()).isEmpty();
        }

        @ParameterizedTest(name = "[{index}] \"{0}\"")
        @ValueSource(strings = {
                "",
                "not json at all",
                "{\"endpoint\":\"/s\",\"pid\":1,\"ver",
                "{\"endpoint\":\"/s\",\"version\":\"v\",\"started_at\":\"2025-02-23T12:00:00Z\"}",
                "{\"endpoint\":\"/s\",\"pid\":\"1\",\"version\":\"v\",\"started_at\":\"2025-02-23T12:00:00Z\"}",
                "{\"pid\":1,\"version\":\"v\",\"started_at\":\"2025-02-23T12:00:00Z\"}",
                "{\"endpoint\":\"/s\",\"pid\":1,\"version\":\"v\"}",
                "null",
                "[]",
        })
        void anUnparsableFileIsNoDaemonInfo(String content) throws IOException {
            Files.writeString(path, content);

            assertThat(file.read()).isEmpty();
        }

        @Test
        void aFileWrittenByTheReferenceWithExtraKeysIsRead() throws IOException {
            Files.writeString(path, "{\n  \"endpoint\": \"/s\",\n  \"pid\": 9,\n  \"version\": \"v\",\n"
                    + "  \"started_at\": \"2025-02-23T12:00:00Z\",\n  \"blob_port\": 1,\n  \"future_field\": true\n}");

            assertThat(file.read()).contains(new DaemonInfo("/s", 9, "v", Instant.parse("2025-02-23T12:00:00Z"), 1));
        }

        @Test
        void deleteIfOwnedByLeavesAnotherDaemonsFileAlone() throws IOException {
            file.write(SPEC_EXAMPLE); // pid 48213

            file.deleteIfOwnedBy(48214);

            assertThat(path).exists();
            assertThat(file.read()).contains(SPEC_EXAMPLE);
        }

        @Test
        void deleteIfOwnedByRemovesItsOwnFile() throws IOException {
            file.write(SPEC_EXAMPLE);

            file.deleteIfOwnedBy(48213);

            assertThat(path).doesNotExist();
        }

        @Test
        void deleteIfOwnedByToleratesAMissingFile() {
            file.deleteIfOwnedBy(48213);

            assertThat(path).doesNotExist();
        }
    }
}
