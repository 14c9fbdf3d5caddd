package io.runtimed.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link PoolWire} is {@link Json} for the pool channel, only cheaper on a cold JVM: the same bytes
 * out, the same values in, the same refusals. Every value is checked against the databind mapper
 * itself, so the wire's golden texts (WireJsonTest, PoolWireDeltasJsonTest, ListRoomsJsonTest) hold
 * for both.
 */
class PoolWireTest {
    private static final PooledEnv ENV = new PooledEnv(EnvType.CONDA, "/home/zoë/envs/🎉 \"x\"\\y", "C:\\p\\python.exe");

    static Stream<Handshake> handshakes() {
        return Stream.of(new Handshake.Pool(), new Handshake.SettingsSync(), new Handshake.Blob(),
                new Handshake.PoolStateSubscribe(), new Handshake.NotebookSync("abc"),
                Handshake.NotebookSync.typedFrames("/tmp/nb 🎉\u0001\u001f.ipynb"), new Handshake.NotebookSync("", "v1"));
    }

    static Stream<PoolRequest> requests() {
        return Stream.of(new PoolRequest.Take(EnvType.UV), new PoolRequest.Take(EnvType.CONDA), new PoolRequest.Return(ENV),
                new PoolRequest.Status(), new PoolRequest.Ping(), new PoolRequest.Shutdown(), new PoolRequest.FlushPool(),
                new PoolRequest.ListRooms(), new PoolRequest.InspectNotebook("/a/ünï \u007f\u0000.ipynb"));
    }

    static Stream<PoolResponse> responses() {
        PoolError failed = new PoolError("pip failed:\n\tno \"ipykernel\"", "ipykernel", 3, 4_000_000_000L);
        return Stream.of(new PoolResponse.Env(ENV), new PoolResponse.Empty(), new PoolResponse.Returned(),
                new PoolResponse.Stats(new PoolStats(3, 0, 2, 1)),
                new PoolResponse.Stats(new PoolStats(0, 1, 0, 0, "venv + pip (/usr/bin/python3)", null, failed,
                        new PoolError("no conda", null, 0, 0))),
                new PoolResponse.Pong(), new PoolResponse.ShuttingDown(), new PoolResponse.Flushed(),
                new PoolResponse.Error("cannot use \"/p\": zoë's env\nis gone 🎉"),
                new PoolResponse.RoomsList(List.of()),
                new PoolResponse.RoomsList(List.of(RoomInfo.withoutKernel("a", 0),
                        RoomInfo.withKernel("/b/ö.ipynb", 2, "python", "uv:prewarmed", "idle"))),
                new PoolResponse.NotebookState("nb", List.of(), PoolResponse.NotebookState.Source.PERSISTED_FILE, null));
    }

    @ParameterizedTest
    @MethodSource("handshakes")
    void aHandshakeIsTheMappersBytesAndReadsBackAsTheMapperReadsIt(Handshake handshake) throws MalformedMessageException {
        byte[] json = Json.compact(handshake);

        assertThat(new String(PoolWire.handshake(handshake), UTF_8)).isEqualTo(new String(json, UTF_8));
        assertThat(PoolWire.parseHandshake(json)).isEqualTo(Json.parse(json, Handshake.class)).isEqualTo(handshake);
        assertThat(PoolWire.readsItself(json)).isTrue();
    }

    @ParameterizedTest
    @MethodSource("requests")
    void aRequestIsTheMappersBytesAndReadsBackAsTheMapperReadsIt(PoolRequest request) throws MalformedMessageException {
        byte[] json = Json.compact(request);

        assertThat(new String(PoolWire.request(request), UTF_8)).isEqualTo(new String(json, UTF_8));
        assertThat(PoolWire.parseRequest(json)).isEqualTo(Json.parse(json, PoolRequest.class)).isEqualTo(request);
    }

    @ParameterizedTest
    @MethodSource("responses")
    void aResponseIsTheMappersBytesAndReadsBackAsTheMapperReadsIt(PoolResponse response) throws MalformedMessageException {
        byte[] json = Json.compact(response);

        assertThat(new String(PoolWire.response(response), UTF_8)).isEqualTo(new String(json, UTF_8));
        assertThat(PoolWire.parseResponse(json)).isEqualTo(Json.parse(json, PoolResponse.class)).isEqualTo(response);
    }

    @Test
    void theCommonMessagesAreReadWithoutTheMapper() {
        // what runt's one-shot commands and the daemon's first answers read: never handed to databind
        requests().forEach(r -> assertThat(PoolWire.readsItself(Json.compact(r))).as("%s", r).isTrue());
        responses().filter(r -> !(r instanceof PoolResponse.NotebookState))
                .forEach(r -> assertThat(PoolWire.readsItself(Json.compact(r))).as("%s", r).isTrue());
    }

    static Stream<Arguments> otherForms() {
        return Stream.of(
                arguments(PoolResponse.class, "{\"stats\":{\"conda_warming\":1,\"uv_warming\":0,\"conda_available\":2,"
                        + "\"uv_available\":3,\"later\":[1.5,{\"x\":null}]},\"type\":\"stats\",\"id\":7}"),
                arguments(PoolResponse.class, " {\"type\" : \"pong\" }\n"),
                arguments(PoolResponse.class, "{\"type\":\"stats\",\"stats\":{\"uv_available\":3,\"uv_warming\":0,"
                        + "\"conda_available\":2,\"conda_warming\":1,\"uv_backend\":null,\"uv_error\":null}}"),
                // forms the fast path leaves to the mapper: the values must still be the mapper's
                arguments(PoolResponse.class, "{\"type\":\"pong\",\"type\":\"pong\"}"),
                arguments(PoolRequest.class, "{\"type\":\"ping\",\"x\":1e400}"),
                arguments(Handshake.class, "{\"notebook_id\":\"a\",\"protocol\":null,\"channel\":\"notebook_sync\",\"x\":{}}"),
                arguments(Handshake.class, "{\"channel\":\"pool\",\"channel\":\"blob\"}"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("otherForms")
    void otherFormsOfValidJsonReadAsTheMapperReadsThem(Class<?> type, String json) throws MalformedMessageException {
        byte[] payload = json.getBytes(UTF_8);
        Object ours = type == PoolRequest.class ? PoolWire.parseRequest(payload)
                : type == Handshake.class ? PoolWire.parseHandshake(payload) : PoolWire.parseResponse(payload);

        assertThat(ours).isEqualTo(Json.parse(payload, type));
    }

    /** Every malformed pool message of WireJsonTest and a few more: refused with the mapper's own words. */
    static Stream<Arguments> malformed() {
        Stream<Arguments> shared = WireJsonTest.Rejections.malformed().map(a -> arguments(a.get()[0], a.get()[1]));
        Stream<Arguments> more = Stream.of(
                arguments(PoolResponse.class, "{\"type\":\"stats\",\"stats\":{\"uv_available\":3.5,\"uv_warming\":0,"
                        + "\"conda_available\":2,\"conda_warming\":1}}"),
                arguments(PoolResponse.class, "{\"type\":\"stats\",\"stats\":{\"uv_available\":null,\"uv_warming\":0,"
                        + "\"conda_available\":2,\"conda_warming\":1}}"),
                arguments(PoolResponse.class, "{\"type\":\"stats\",\"stats\":{\"uv_available\":9999999999,\"uv_warming\":0,"
                        + "\"conda_available\":2,\"conda_warming\":1}}"),
                arguments(PoolResponse.class, "{\"type\":\"rooms_list\",\"rooms\":[{\"active_peers\":1,\"has_kernel\":false}]}"),
                arguments(PoolResponse.class, "{\"type\":\"rooms_list\",\"rooms\":[{\"notebook_id\":\"a\",\"active_peers\":1,"
                        + "\"has_kernel\":\"no\"}]}"),
                arguments(PoolResponse.class, "{\"type\":\"error\",\"message\":7}"),
                arguments(PoolResponse.class, "{\"type\":\"stats\",\"stats\":{\"uv_available\":3}}"),
                arguments(PoolRequest.class, "{\"type\":\"take\",\"env_type\":\"uv\",\"env_type\":\"conda\"}"),
                arguments(PoolRequest.class, "{\"type\":\"inspect_notebook\",\"notebook_id\":[]}"),
                arguments(PoolRequest.class, "[".repeat(5000)),
                arguments(PoolRequest.class, "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}"),
                arguments(PoolRequest.class, "{\"type\":\"ping\"}]"),
                arguments(Handshake.class, "{\"channel\":\"notebook_sync\",\"notebook_id\":\"a\",\"protocol\":2}"));
        return Stream.concat(shared, more);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("malformed")
    void aMalformedMessageIsRefusedWithTheMappersMessage(Class<?> type, String payload) {
        byte[] bytes = payload.getBytes(UTF_8);
        MalformedMessageException mapper = catchThrowableOfType(MalformedMessageException.class, () -> Json.parse(bytes, type));
        MalformedMessageException ours = catchThrowableOfType(MalformedMessageException.class,
                () -> {
                    if (type == PoolRequest.class) {
                        PoolWire.parseRequest(bytes);
                    } else if (type == Handshake.class) {
                        PoolWire.parseHandshake(bytes);
                    } else {
                        PoolWire.parseResponse(bytes);
                    }
                });

        assertThat(mapper).as("the mapper refuses %s", payload).isNotNull();
        assertThat(ours).as("PoolWire refuses %s", payload).isNotNull();
        assertThat(ours.getMessage()).isEqualTo(mapper.getMessage());
    }
}
