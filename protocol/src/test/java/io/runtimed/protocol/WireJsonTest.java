package io.runtimed.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden tests of the wire JSON (PROTOCOL.md §3, §4): the exact text the reference writes, and what
 * a parser must accept and refuse. A renamed field or reordered key fails here, not in a user's app.
 */
class WireJsonTest {
    private static final PooledEnv SPEC_ENV = new PooledEnv(EnvType.UV, "/p", "/p/bin/python");
    private static final String SPEC_ENV_JSON = "{\"env_type\":\"uv\",\"venv_path\":\"/p\",\"python_path\":\"/p/bin/python\"}";

    @Nested
    class Handshakes {
        static Stream<Arguments> specExamples() {
            return Stream.of(
                    arguments(new Handshake.Pool(), "{\"channel\":\"pool\"}"),
                    arguments(new Handshake.SettingsSync(), "{\"channel\":\"settings_sync\"}"),
                    arguments(new Handshake.NotebookSync("abc"), "{\"channel\":\"notebook_sync\",\"notebook_id\":\"abc\"}"),
                    arguments(new Handshake.Blob(), "{\"channel\":\"blob\"}"));
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void serialiseToTheSpecsExactText(Handshake handshake, String json) {
            assertThat(compact(handshake)).isEqualTo(json);
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void parseTheSpecsTextToTheSameValue(Handshake handshake, String json) throws MalformedMessageException {
            assertThat(parse(json, Handshake.class)).isEqualTo(handshake);
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void roundTrip(Handshake handshake, String json) throws MalformedMessageException {
            assertThat(Json.parse(Json.compact(handshake), Handshake.class)).isEqualTo(handshake);
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void channelNameIsTheWireTag(Handshake handshake, String json) {
            assertThat(json).startsWith("{\"channel\":\"" + handshake.channelName() + "\"");
        }

        @Test
        void acceptAnyKeyOrderAndWhitespace() throws MalformedMessageException {
            String json = " {\n\t\"notebook_id\" :  \"abc\" ,\r\n \"channel\":\"notebook_sync\" } \n";

            assertThat(parse(json, Handshake.class)).isEqualTo(new Handshake.NotebookSync("abc"));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("withExtraKeys")
        void ignoreExtraKeys(String json, Handshake expected) throws MalformedMessageException {
            assertThat(parse(json, Handshake.class)).isEqualTo(expected);
        }

        static Stream<Arguments> withExtraKeys() {
            return Stream.of(
                    arguments("{\"channel\":\"pool\",\"version\":2}", new Handshake.Pool()),
                    arguments("{\"extra\":{\"nested\":[1,null]},\"channel\":\"settings_sync\"}", new Handshake.SettingsSync()),
                    arguments("{\"channel\":\"notebook_sync\",\"notebook_id\":\"x\",\"path\":\"/n.ipynb\"}", new Handshake.NotebookSync("x")),
                    arguments("{\"channel\":\"blob\",\"notebook_id\":\"ignored\"}", new Handshake.Blob()));
        }

        @ParameterizedTest(name = "\"{0}\"")
        @MethodSource("anyNotebookIds")
        void notebookIdMayBeAnyString(String id) throws MalformedMessageException {
            Handshake h = new Handshake.NotebookSync(id);

            assertThat(Json.parse(Json.compact(h), Handshake.class)).isEqualTo(h);
        }

        static Stream<String> anyNotebookIds() {
            return Stream.of("", "/home/zoë/notes/analysis.ipynb", "C:\\Users\\a\\nb.ipynb", "quote \" and \\ and \u00e9\u4e2d");
        }

        @Test
        void nonAsciiIsWrittenAsRawUtf8LikeSerde() {
            assertThat(Json.compact(new Handshake.NotebookSync("é")))
                    .isEqualTo("{\"channel\":\"notebook_sync\",\"notebook_id\":\"é\"}".getBytes(UTF_8));
        }

        /** Jackson's UTF-8 writer would escape an emoji as a surrogate pair; serde writes its four bytes. */
        @Test
        void charactersOutsideTheBasicPlaneAreRawUtf8Too() {
            assertThat(Json.compact(new Handshake.NotebookSync("🎉/𝔘.ipynb")))
                    .isEqualTo("{\"channel\":\"notebook_sync\",\"notebook_id\":\"🎉/𝔘.ipynb\"}".getBytes(UTF_8));
        }

        /** serde_json: short escapes where JSON has them, else \\u00xx in lowercase hex. */
        @Test
        void controlCharactersAreEscapedInLowercaseHexLikeSerde() {
            assertThat(compact(new PoolResponse.Error("a\u001fb\u001bc\n\b\f")))
                    .isEqualTo("{\"type\":\"error\",\"message\":\"a\\u001fb\\u001bc\\n\\b\\f\"}");
            assertThat(Json.pretty(new PoolResponse.Error("\u001f"))).contains("\"\\u001f\"");
        }

        /** The answer to an unreadable handshake has the bytes a pool error has: what reference clients read. */
        @Test
        void handshakeErrorIsTheErrorShapeReferenceClientsRead() {
            assertThat(new String(Json.compact(new HandshakeError("bad handshake: x")), UTF_8))
                    .isEqualTo("{\"type\":\"error\",\"message\":\"bad handshake: x\"}")
                    .isEqualTo(new String(Json.compact(new PoolResponse.Error("bad handshake: x")), UTF_8));
        }
    }

    @Nested
    class PoolRequests {
        static Stream<Arguments> specExamples() {
            return Stream.of(
                    arguments(new PoolRequest.Take(EnvType.UV), "{\"type\":\"take\",\"env_type\":\"uv\"}"),
                    arguments(new PoolRequest.Take(EnvType.CONDA), "{\"type\":\"take\",\"env_type\":\"conda\"}"),
                    arguments(new PoolRequest.Return(SPEC_ENV), "{\"type\":\"return\",\"env\":" + SPEC_ENV_JSON + "}"),
                    arguments(new PoolRequest.Status(), "{\"type\":\"status\"}"),
                    arguments(new PoolRequest.Ping(), "{\"type\":\"ping\"}"),
                    arguments(new PoolRequest.Shutdown(), "{\"type\":\"shutdown\"}"),
                    arguments(new PoolRequest.FlushPool(), "{\"type\":\"flush_pool\"}"));
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void serialiseToTheSpecsExactText(PoolRequest request, String json) {
            assertThat(compact(request)).isEqualTo(json);
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void parseTheSpecsTextToTheSameValue(PoolRequest request, String json) throws MalformedMessageException {
            assertThat(parse(json, PoolRequest.class)).isEqualTo(request);
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void roundTrip(PoolRequest request, String json) throws MalformedMessageException {
            assertThat(Json.parse(Json.compact(request), PoolRequest.class)).isEqualTo(request);
        }

        @Test
        void returnKeepsWindowsPathsWithEscapedBackslashes() throws MalformedMessageException {
            PoolRequest ret = new PoolRequest.Return(new PooledEnv(EnvType.CONDA,
                    "C:\\envs\\runtimed-conda-1", "C:\\envs\\runtimed-conda-1\\python.exe"));

            String json = compact(ret);

            assertThat(json).isEqualTo("{\"type\":\"return\",\"env\":{\"env_type\":\"conda\","
                    + "\"venv_path\":\"C:\\\\envs\\\\runtimed-conda-1\","
                    + "\"python_path\":\"C:\\\\envs\\\\runtimed-conda-1\\\\python.exe\"}}");
            assertThat(parse(json, PoolRequest.class)).isEqualTo(ret);
        }

        @Test
        void acceptAnyKeyOrderAndWhitespace() throws MalformedMessageException {
            String json = "{ \"env\" : { \"python_path\" : \"/p/bin/python\", \"env_type\":\"uv\",\n"
                    + "  \"venv_path\":\"/p\" },\n \"type\" : \"return\" }";

            assertThat(parse(json, PoolRequest.class)).isEqualTo(new PoolRequest.Return(SPEC_ENV));
        }

        @Test
        void ignoreExtraKeysAtEveryLevel() throws MalformedMessageException {
            String json = "{\"type\":\"return\",\"id\":7,\"env\":{\"env_type\":\"uv\",\"venv_path\":\"/p\","
                    + "\"python_path\":\"/p/bin/python\",\"size\":123}}";

            assertThat(parse(json, PoolRequest.class)).isEqualTo(new PoolRequest.Return(SPEC_ENV));
        }
    }

    @Nested
    class PoolResponses {
        static Stream<Arguments> specExamples() {
            return Stream.of(
                    arguments(new PoolResponse.Env(SPEC_ENV), "{\"type\":\"env\",\"env\":" + SPEC_ENV_JSON + "}"),
                    arguments(new PoolResponse.Empty(), "{\"type\":\"empty\"}"),
                    arguments(new PoolResponse.Returned(), "{\"type\":\"returned\"}"),
                    arguments(new PoolResponse.Stats(new PoolStats(3, 0, 2, 1)),
                            "{\"type\":\"stats\",\"stats\":{\"uv_available\":3,\"uv_warming\":0,"
                                    + "\"conda_available\":2,\"conda_warming\":1}}"),
                    arguments(new PoolResponse.Pong(), "{\"type\":\"pong\"}"),
                    arguments(new PoolResponse.ShuttingDown(), "{\"type\":\"shutting_down\"}"),
                    arguments(new PoolResponse.Flushed(), "{\"type\":\"flushed\"}"),
                    arguments(new PoolResponse.Error("text"), "{\"type\":\"error\",\"message\":\"text\"}"));
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void serialiseToTheSpecsExactText(PoolResponse response, String json) {
            assertThat(compact(response)).isEqualTo(json);
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void parseTheSpecsTextToTheSameValue(PoolResponse response, String json) throws MalformedMessageException {
            assertThat(parse(json, PoolResponse.class)).isEqualTo(response);
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void roundTrip(PoolResponse response, String json) throws MalformedMessageException {
            assertThat(Json.parse(Json.compact(response), PoolResponse.class)).isEqualTo(response);
        }

        @Test
        void statsRoundTripsAllFourCountersDistinctly() throws MalformedMessageException {
            PoolResponse stats = new PoolResponse.Stats(new PoolStats(3, 1, 2, 0));

            assertThat(Json.parse(Json.compact(stats), PoolResponse.class)).isEqualTo(stats);
        }

        @Test
        void errorRoundTripsAMessageWithQuotesAndNonAscii() throws MalformedMessageException {
            PoolResponse error = new PoolResponse.Error("cannot use \"/p\": zoë's env\nis gone");

            assertThat(Json.parse(Json.compact(error), PoolResponse.class)).isEqualTo(error);
        }

        @Test
        void statsParseInAnyKeyOrder() throws MalformedMessageException {
            String json = "{\"stats\":{\"conda_warming\":1,\"uv_warming\":0,\"conda_available\":2,\"uv_available\":3},"
                    + "\"type\":\"stats\"}";

            assertThat(parse(json, PoolResponse.class)).isEqualTo(new PoolResponse.Stats(new PoolStats(3, 0, 2, 1)));
        }
    }

    @Nested
    class Rejections {
        /** (target type, payload, a fragment the message must contain, or null for "any plain message"). */
        static Stream<Arguments> malformed() {
            return Stream.of(
                    // tags are case-sensitive and closed sets
                    arguments(Handshake.class, "{\"channel\":\"Pool\"}", "Pool"),
                    arguments(Handshake.class, "{\"channel\":\"NOTEBOOK_SYNC\",\"notebook_id\":\"a\"}", "NOTEBOOK_SYNC"),
                    arguments(Handshake.class, "{\"channel\":\"websocket\"}", "websocket"),
                    arguments(PoolRequest.class, "{\"type\":\"Ping\"}", "Ping"),
                    arguments(PoolRequest.class, "{\"type\":\"flush\"}", "flush"),
                    arguments(PoolResponse.class, "{\"type\":\"Pong\"}", "Pong"),
                    arguments(PoolRequest.class, "{\"type\":\"take\",\"env_type\":\"UV\"}", "UV"),
                    arguments(PoolRequest.class, "{\"type\":\"take\",\"env_type\":\"python\"}", "python"),
                    arguments(PoolResponse.class, "{\"type\":\"env\",\"env\":{\"env_type\":\"Conda\",\"venv_path\":\"/p\","
                            + "\"python_path\":\"/p/bin/python\"}}", "Conda"),
                    // missing tags and fields
                    arguments(Handshake.class, "{\"notebook_id\":\"abc\"}", "channel"),
                    arguments(Handshake.class, "{}", "channel"),
                    arguments(PoolRequest.class, "{\"env_type\":\"uv\"}", "type"),
                    arguments(Handshake.class, "{\"channel\":\"notebook_sync\"}", "notebook_id"),
                    arguments(Handshake.class, "{\"channel\":\"notebook_sync\",\"notebook_id\":null}", "notebook_id"),
                    arguments(PoolRequest.class, "{\"type\":\"take\"}", "env_type"),
                    arguments(PoolRequest.class, "{\"type\":\"return\"}", "env"),
                    arguments(PoolRequest.class, "{\"type\":\"return\",\"env\":{\"env_type\":\"uv\",\"venv_path\":\"/p\"}}", "python_path"),
                    arguments(PoolResponse.class, "{\"type\":\"error\"}", "message"),
                    // wrong field types: never coerced
                    arguments(Handshake.class, "{\"channel\":\"notebook_sync\",\"notebook_id\":5}", "5"),
                    arguments(Handshake.class, "{\"channel\":\"notebook_sync\",\"notebook_id\":true}", "true"),
                    arguments(Handshake.class, "{\"channel\":\"notebook_sync\",\"notebook_id\":[\"abc\"]}", null),
                    // serde accepts only the strings "uv"/"conda"; Jackson would map 0 to the first constant
                    arguments(PoolRequest.class, "{\"type\":\"take\",\"env_type\":0}", "env_type"),
                    arguments(PoolRequest.class, "{\"type\":\"take\",\"env_type\":1}", "env_type"),
                    arguments(PoolResponse.class, "{\"type\":\"stats\",\"stats\":{\"uv_available\":\"3\",\"uv_warming\":0,"
                            + "\"conda_available\":2,\"conda_warming\":1}}", null),
                    // not a JSON object
                    arguments(PoolRequest.class, "nope", "nope"),
                    arguments(PoolRequest.class, "", null),
                    arguments(Handshake.class, "", null),
                    arguments(PoolRequest.class, "null", "null"),
                    arguments(Handshake.class, "null", "null"),
                    arguments(PoolRequest.class, "\"ping\"", null),
                    arguments(PoolRequest.class, "42", null),
                    arguments(PoolRequest.class, "{\"type\":\"ping\"", null),
                    arguments(PoolRequest.class, "{\"type\":\"ping\"} x", "x"),
                    arguments(PoolRequest.class, "{\"type\":\"ping\"}{}", "trailing"),
                    // arrays: PROTOCOL.md §3 lets us refuse serde's sequence form; Jackson's wrapper-array form too
                    arguments(PoolRequest.class, "[]", null),
                    arguments(PoolRequest.class, "[\"ping\"]", null),
                    arguments(PoolRequest.class, "[\"ping\",{}]", null),
                    arguments(Handshake.class, "[\"pool\"]", null),
                    arguments(Handshake.class, "[\"notebook_sync\",\"abc\"]", null),
                    arguments(Handshake.class, "[\"notebook_sync\",{\"notebook_id\":\"abc\"}]", null));
        }

        @ParameterizedTest(name = "{0}: {1}")
        @MethodSource("malformed")
        void malformedPayloadsAreRejectedWithAPlainMessage(Class<?> type, String payload, String fragment) {
            MalformedMessageException e = catchThrowableOfType(MalformedMessageException.class,
                    () -> Json.parse(payload.getBytes(UTF_8), type));

            assertThat(e).as("exception for %s", payload).isNotNull();
            assertThat(e.getMessage()).as("message for %s", payload).isNotBlank()
                    .doesNotContain("[Source:").doesNotContain("io.runtimed.protocol.");
            if (fragment != null) {
                assertThat(e.getMessage()).as("message for %s", payload).containsIgnoringCase(fragment);
            }
        }

        @Test
        void invalidUtf8IsRejected() {
            byte[] payload = {'{', '"', 'c', 'h', 'a', 'n', 'n', 'e', 'l', '"', ':', '"', (byte) 0xff, '"', '}'};

            MalformedMessageException e = catchThrowableOfType(MalformedMessageException.class,
                    () -> Json.parse(payload, Handshake.class));

            assertThat(e).isNotNull();
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Nested
    class PrettyForm {
        @Test
        void poolStatsLookLikeSerdePretty() {
            assertThat(Json.pretty(new PoolStats(3, 0, 2, 1))).isEqualTo(String.join("\n",
                    "{",
                    "  \"uv_available\": 3,",
                    "  \"uv_warming\": 0,",
                    "  \"conda_available\": 2,",
                    "  \"conda_warming\": 1",
                    "}"));
        }

        @Test
        void nestedObjectsIndentByTwoMoreSpaces() {
            assertThat(Json.pretty(new PoolResponse.Stats(new PoolStats(3, 0, 2, 1)))).isEqualTo(String.join("\n",
                    "{",
                    "  \"type\": \"stats\",",
                    "  \"stats\": {",
                    "    \"uv_available\": 3,",
                    "    \"uv_warming\": 0,",
                    "    \"conda_available\": 2,",
                    "    \"conda_warming\": 1",
                    "  }",
                    "}"));
        }

        @Test
        void arraysPutOneElementPerLineAndEmptiesStayClosed() {
            Map<String, Object> value = new LinkedHashMap<>();
            value.put("list", List.of(1, 2));
            value.put("empty_object", Map.of());
            value.put("empty_list", List.of());
            value.put("mixed", List.of(Map.of("x", "y"), List.of()));
            value.put("none", null);

            assertThat(Json.pretty(value)).isEqualTo(String.join("\n",
                    "{",
                    "  \"list\": [",
                    "    1,",
                    "    2",
                    "  ],",
                    "  \"empty_object\": {},",
                    "  \"empty_list\": [],",
                    "  \"mixed\": [",
                    "    {",
                    "      \"x\": \"y\"",
                    "    },",
                    "    []",
                    "  ],",
                    "  \"none\": null",
                    "}"));
        }

        @Test
        void topLevelEmptiesAreTwoCharacters() {
            assertThat(Json.pretty(Map.of())).isEqualTo("{}");
            assertThat(Json.pretty(List.of())).isEqualTo("[]");
        }

        @Test
        void thereIsNoTrailingNewline() {
            assertThat(Json.pretty(new PoolStats(0, 0, 0, 0))).endsWith("}");
        }
    }

    @Nested
    class EnvTypes {
        @Test
        void displayAsTheirWireNames() {
            assertThat(EnvType.UV).hasToString("uv");
            assertThat(EnvType.CONDA).hasToString("conda");
        }

        @Test
        void lenientParsingIsForCommandLinesOnly() {
            assertThat(EnvType.parseLenient("UV")).contains(EnvType.UV);
            assertThat(EnvType.parseLenient("Conda")).contains(EnvType.CONDA);
            assertThat(EnvType.parseLenient("python")).isEmpty();
        }
    }

    private static String compact(Object value) {
        return new String(Json.compact(value), UTF_8);
    }

    private static <T> T parse(String json, Class<T> type) throws MalformedMessageException {
        return Json.parse(json.getBytes(UTF_8), type);
    }
}
