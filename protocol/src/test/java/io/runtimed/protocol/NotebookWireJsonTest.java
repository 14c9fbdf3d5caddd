package io.runtimed.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Golden tests of the typed-frame {@code notebook_sync} protocol (KERNELS.md §1–§3): the exact text
 * of every request, response and broadcast, what a parser accepts and refuses, and the type byte.
 */
class NotebookWireJsonTest {
    private static final String HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static final String INLINE_ENV = "/h/.cache/runt/inline-envs/0a1b2c3d4e5f6071";
    private static final String JUPYTER_MESSAGE = "{\"header\":{\"msg_id\":\"m1\",\"msg_type\":\"comm_msg\","
            + "\"session\":\"s1\",\"username\":\"\",\"date\":\"2026-02-24T10:00:00Z\",\"version\":\"5.3\"},"
            + "\"parent_header\":{},\"metadata\":{},\"content\":{\"comm_id\":\"w1\","
            + "\"data\":{\"method\":\"update\",\"state\":{\"value\":7},\"buffer_paths\":[]}},\"buffers\":[]}";

    @Nested
    class HandshakeProtocol {
        static Stream<Arguments> specExamples() {
            return Stream.of(
                    arguments(Handshake.NotebookSync.typedFrames("/Users/a/nb.ipynb"),
                            "{\"channel\":\"notebook_sync\",\"notebook_id\":\"/Users/a/nb.ipynb\",\"protocol\":\"v2\"}"),
                    arguments(new Handshake.NotebookSync("/Users/a/nb.ipynb"),
                            "{\"channel\":\"notebook_sync\",\"notebook_id\":\"/Users/a/nb.ipynb\"}"),
                    arguments(new Handshake.NotebookSync("u", "v1"),
                            "{\"channel\":\"notebook_sync\",\"notebook_id\":\"u\",\"protocol\":\"v1\"}"));
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

        @Test
        void theOneArgumentFormIsTheOldHandshakeWithoutProtocol() {
            assertThat(new Handshake.NotebookSync("x")).isEqualTo(new Handshake.NotebookSync("x", null));
            assertThat(new Handshake.NotebookSync("x").protocol()).isNull();
        }

        @Test
        void onlyTheExactStringV2AsksForTypedFrames() {
            assertThat(Handshake.NotebookSync.typedFrames("x").wantsTypedFrames()).isTrue();
            assertThat(new Handshake.NotebookSync("x").wantsTypedFrames()).isFalse();
            assertThat(new Handshake.NotebookSync("x", "v1").wantsTypedFrames()).isFalse();
            assertThat(new Handshake.NotebookSync("x", "V2").wantsTypedFrames()).isFalse();
            assertThat(new Handshake.NotebookSync("x", "v2 ").wantsTypedFrames()).isFalse();
            assertThat(new Handshake.NotebookSync("x", "v3").wantsTypedFrames()).isFalse();
        }

        @Test
        void nullProtocolCountsAsAbsent() throws MalformedMessageException {
            assertThat(parse("{\"channel\":\"notebook_sync\",\"notebook_id\":\"x\",\"protocol\":null}", Handshake.class))
                    .isEqualTo(new Handshake.NotebookSync("x"));
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"2", "2.0", "true", "false", "[\"v2\"]", "{\"v\":2}"})
        void aNonStringProtocolFailsTheParse(String protocol) {
            String json = "{\"channel\":\"notebook_sync\",\"notebook_id\":\"x\",\"protocol\":" + protocol + "}";

            MalformedMessageException e = catchThrowableOfType(MalformedMessageException.class,
                    () -> parse(json, Handshake.class));

            assertThat(e).as("exception for %s", json).isNotNull();
            assertThat(e.getMessage()).contains("protocol").doesNotContain("io.runtimed");
        }

        @Test
        void extraKeysOfLaterClientsAreIgnored() throws MalformedMessageException {
            String json = "{\"channel\":\"notebook_sync\",\"notebook_id\":\"x\",\"protocol\":\"v2\","
                    + "\"working_dir\":\"/home/u\",\"initial_metadata\":\"{}\"}";

            assertThat(parse(json, Handshake.class)).isEqualTo(Handshake.NotebookSync.typedFrames("x"));
        }
    }

    @Nested
    class TypedFrames {
        /** KERNELS.md §1.3's example: {@code 00 00 00 29 01 {"action":"execute_cell","cell_id":"c1"}}. */
        @Test
        void theSpecsRequestExampleIsTypeByteThenCompactJson() {
            byte[] frame = NotebookFrames.request(new NotebookRequest.ExecuteCell("c1"));

            byte[] json = "{\"action\":\"execute_cell\",\"cell_id\":\"c1\"}".getBytes(UTF_8);
            assertThat(json).hasSize(40);
            assertThat(frame).hasSize(0x29);
            assertThat(frame[0]).isEqualTo((byte) 0x01);
            assertThat(new String(frame, 1, frame.length - 1, UTF_8)).isEqualTo(new String(json, UTF_8));
        }

        @Test
        void theFramingLayerPutsTheLengthOfTypeBytePlusJsonInFront() throws Exception {
            MemoryChannel wire = new MemoryChannel(new byte[0]);
            try (FrameChannel frames = new FrameChannel(wire)) {
                frames.writeFrame(NotebookFrames.request(new NotebookRequest.ExecuteCell("c1")));
            }

            byte[] expected = concat(new byte[] {0x00, 0x00, 0x00, 0x29, 0x01},
                    "{\"action\":\"execute_cell\",\"cell_id\":\"c1\"}".getBytes(UTF_8));
            assertThat(wire.written()).isEqualTo(expected);
        }

        @Test
        void aFrameReadFromTheWireDecodesToTheRequest() throws Exception {
            byte[] wire = concat(new byte[] {0x00, 0x00, 0x00, 0x29, 0x01},
                    "{\"action\":\"execute_cell\",\"cell_id\":\"c1\"}".getBytes(UTF_8));
            byte[] frame;
            try (FrameChannel frames = new FrameChannel(new MemoryChannel(wire))) {
                frame = frames.readFrame(Frames.DATA_MAX);
            }

            NotebookFrames.Typed typed = NotebookFrames.decode(frame);

            assertThat(typed.type()).isEqualTo(NotebookFrames.Type.REQUEST);
            assertThat(Json.parse(typed.payload(), NotebookRequest.class)).isEqualTo(new NotebookRequest.ExecuteCell("c1"));
        }

        @Test
        void theFourTypeBytesAreFixed() throws MalformedMessageException {
            assertThat(NotebookFrames.Type.AUTOMERGE_SYNC.code()).isEqualTo((byte) 0x00);
            assertThat(NotebookFrames.Type.REQUEST.code()).isEqualTo((byte) 0x01);
            assertThat(NotebookFrames.Type.RESPONSE.code()).isEqualTo((byte) 0x02);
            assertThat(NotebookFrames.Type.BROADCAST.code()).isEqualTo((byte) 0x03);
            for (NotebookFrames.Type t : NotebookFrames.Type.values()) {
                assertThat(NotebookFrames.Type.of(t.code())).isEqualTo(t);
            }
        }

        @Test
        void everyKindEncodesAndDecodesToItself() throws MalformedMessageException {
            byte[] sync = {0x42, 0x01, 0x00, (byte) 0xff};

            assertThat(NotebookFrames.decode(NotebookFrames.sync(sync)))
                    .isEqualTo(new NotebookFrames.Typed(NotebookFrames.Type.AUTOMERGE_SYNC, sync));
            assertThat(NotebookFrames.response(new NotebookResponse.NoKernel()))
                    .isEqualTo(concat(new byte[] {0x02}, "{\"result\":\"no_kernel\"}".getBytes(UTF_8)));
            assertThat(NotebookFrames.broadcast(new NotebookBroadcast.ExecutionDone("c1")))
                    .isEqualTo(concat(new byte[] {0x03}, "{\"event\":\"execution_done\",\"cell_id\":\"c1\"}".getBytes(UTF_8)));
            assertThat(NotebookFrames.decode(NotebookFrames.broadcast(new NotebookBroadcast.ExecutionDone("c1"))).type())
                    .isEqualTo(NotebookFrames.Type.BROADCAST);
        }

        @Test
        void aTypeByteAloneIsAFrameWithAnEmptyPayload() throws MalformedMessageException {
            assertThat(NotebookFrames.decode(new byte[] {0x00}))
                    .isEqualTo(new NotebookFrames.Typed(NotebookFrames.Type.AUTOMERGE_SYNC, new byte[0]));
        }

        @Test
        void anEmptyFrameIsTheReferencesEmptyFrameError() {
            assertThatThrownBy(() -> NotebookFrames.decode(new byte[0]))
                    .isInstanceOf(MalformedMessageException.class)
                    .hasMessage("empty frame");
        }

        @ParameterizedTest(name = "0x{0}")
        @ValueSource(strings = {"04", "05", "0a", "7f", "80", "c0", "ff"})
        void anUnknownTypeByteIsNamedInTwoLowercaseHexDigits(String hex) {
            byte b = (byte) Integer.parseInt(hex, 16);

            assertThatThrownBy(() -> NotebookFrames.decode(new byte[] {b, '{', '}'}))
                    .isInstanceOf(MalformedMessageException.class)
                    .hasMessage("unknown notebook frame type: 0x" + hex);
        }

        @Test
        void aPayloadThatCannotFitTheDataFrameLimitIsRefused() {
            assertThatThrownBy(() -> NotebookFrames.encode(NotebookFrames.Type.AUTOMERGE_SYNC, new byte[Frames.DATA_MAX]))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(NotebookFrames.MAX_PAYLOAD).isEqualTo(104_857_599);
        }
    }

    @Nested
    class Capabilities {
        @Test
        void theDaemonsFirstFrameIsPlainCompactJson() {
            assertThat(new String(NotebookFrames.capabilities(), UTF_8)).isEqualTo("{\"protocol\":\"v2\"}");
            assertThat(compact(ProtocolCapabilities.V2)).isEqualTo("{\"protocol\":\"v2\"}");
        }

        @Test
        void aClientRecognisesTheCapabilitiesFrame() throws MalformedMessageException {
            assertThat(NotebookFrames.isCapabilities(NotebookFrames.capabilities())).isTrue();
            assertThat(NotebookFrames.isCapabilities(" {\"protocol\" : \"v2\", \"daemon_version\":\"x\"}".getBytes(UTF_8))).isTrue();
            assertThat(parse("{\"protocol\":\"v2\"}", ProtocolCapabilities.class)).isEqualTo(ProtocolCapabilities.V2);
        }

        /** Automerge sync messages start with 0x42 (or 0x43): never JSON. */
        @Test
        void aSyncMessageIsNotTheCapabilitiesFrame() {
            assertThat(NotebookFrames.isCapabilities(new byte[] {0x42, 0x00, 0x01, 0x02})).isFalse();
            assertThat(NotebookFrames.isCapabilities(new byte[] {0x43, 0x7b, 0x22})).isFalse();
            assertThat(NotebookFrames.isCapabilities(new byte[0])).isFalse();
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"{\"protocol\":\"v1\"}", "{\"protocol\":\"V2\"}", "{\"protocol\":2}", "{\"protocol\":null}",
            "{}", "{\"version\":\"v2\"}", "\"v2\"", "[\"v2\"]"})
        void onlyAnObjectNamingV2IsTheCapabilitiesFrame(String json) {
            assertThat(NotebookFrames.isCapabilities(json.getBytes(UTF_8))).isFalse();
        }
    }

    @Nested
    class Requests {
        static Stream<Arguments> specExamples() {
            return Stream.of(
                    arguments(new NotebookRequest.LaunchKernel("auto", "auto", "/a/nb.ipynb"),
                            "{\"action\":\"launch_kernel\",\"kernel_type\":\"auto\",\"env_source\":\"auto\",\"notebook_path\":\"/a/nb.ipynb\"}"),
                    arguments(new NotebookRequest.LaunchKernel("python", "uv:prewarmed", null),
                            "{\"action\":\"launch_kernel\",\"kernel_type\":\"python\",\"env_source\":\"uv:prewarmed\",\"notebook_path\":null}"),
                    arguments(new NotebookRequest.ExecuteCell("c1"), "{\"action\":\"execute_cell\",\"cell_id\":\"c1\"}"),
                    arguments(new NotebookRequest.QueueCell("c1", "1+1"), "{\"action\":\"queue_cell\",\"cell_id\":\"c1\",\"code\":\"1+1\"}"),
                    arguments(new NotebookRequest.RunAllCells(), "{\"action\":\"run_all_cells\"}"),
                    arguments(new NotebookRequest.ClearOutputs("c1"), "{\"action\":\"clear_outputs\",\"cell_id\":\"c1\"}"),
                    arguments(new NotebookRequest.InterruptExecution(), "{\"action\":\"interrupt_execution\"}"),
                    arguments(new NotebookRequest.ShutdownKernel(), "{\"action\":\"shutdown_kernel\"}"),
                    arguments(new NotebookRequest.GetKernelInfo(), "{\"action\":\"get_kernel_info\"}"),
                    arguments(new NotebookRequest.GetQueueState(), "{\"action\":\"get_queue_state\"}"),
                    arguments(new NotebookRequest.SendComm(tree(JUPYTER_MESSAGE)),
                            "{\"action\":\"send_comm\",\"message\":" + JUPYTER_MESSAGE + "}"),
                    arguments(new NotebookRequest.GetHistory(null, 100, true),
                            "{\"action\":\"get_history\",\"pattern\":null,\"n\":100,\"unique\":true}"),
                    arguments(new NotebookRequest.GetHistory("import *", -1, false),
                            "{\"action\":\"get_history\",\"pattern\":\"import *\",\"n\":-1,\"unique\":false}"),
                    arguments(new NotebookRequest.Complete("import o", 8),
                            "{\"action\":\"complete\",\"code\":\"import o\",\"cursor_pos\":8}"),
                    arguments(new NotebookRequest.SaveNotebook(false), "{\"action\":\"save_notebook\",\"format_cells\":false}"),
                    arguments(new NotebookRequest.SaveNotebook(true, true),
                            "{\"action\":\"save_notebook\",\"format_cells\":true,\"force\":true}"),
                    arguments(new NotebookRequest.SaveNotebook(false, false),
                            "{\"action\":\"save_notebook\",\"format_cells\":false,\"force\":false}"),
                    arguments(new NotebookRequest.SyncEnvironment(), "{\"action\":\"sync_environment\"}"));
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void serialiseToTheSpecsExactText(NotebookRequest request, String json) {
            assertThat(compact(request)).isEqualTo(json);
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void parseTheSpecsTextToTheSameValue(NotebookRequest request, String json) throws MalformedMessageException {
            assertThat(parse(json, NotebookRequest.class)).isEqualTo(request);
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void survivesATypedFrame(NotebookRequest request, String json) throws MalformedMessageException {
            NotebookFrames.Typed typed = NotebookFrames.decode(NotebookFrames.request(request));

            assertThat(typed.type()).isEqualTo(NotebookFrames.Type.REQUEST);
            assertThat(Json.parse(typed.payload(), NotebookRequest.class)).isEqualTo(request);
        }

        static Stream<Arguments> lenientInputs() {
            return Stream.of(
                    // Option fields without a skip rule may be omitted
                    arguments("{\"action\":\"launch_kernel\",\"kernel_type\":\"auto\",\"env_source\":\"auto\"}",
                            new NotebookRequest.LaunchKernel("auto", "auto", null)),
                    arguments("{\"action\":\"get_history\",\"n\":5,\"unique\":false}", new NotebookRequest.GetHistory(null, 5, false)),
                    // empty variants ignore extra keys, as every variant does
                    arguments("{\"action\":\"interrupt_execution\",\"cell_id\":\"c1\"}", new NotebookRequest.InterruptExecution()),
                    arguments("{\"action\":\"run_all_cells\",\"force\":true,\"x\":[1,{}]}", new NotebookRequest.RunAllCells()),
                    arguments("{\"action\":\"sync_environment\",\"guard\":null}", new NotebookRequest.SyncEnvironment()),
                    arguments("{\"action\":\"execute_cell\",\"cell_id\":\"c1\",\"new_field_from_future\":true}",
                            new NotebookRequest.ExecuteCell("c1")),
                    // a later client's save_notebook carries a path; we ignore it
                    arguments("{\"action\":\"save_notebook\",\"format_cells\":true,\"path\":\"/tmp/out.ipynb\"}",
                            new NotebookRequest.SaveNotebook(true)),
                    arguments("{\"action\":\"save_notebook\",\"format_cells\":true,\"force\":null}",
                            new NotebookRequest.SaveNotebook(true)),
                    // the tag may stand anywhere, keys in any order, any whitespace
                    arguments(" {\n\t\"cell_id\" : \"c1\" ,\r\n \"action\":\"execute_cell\" } \n", new NotebookRequest.ExecuteCell("c1")),
                    arguments("{\"unique\":true,\"n\":100,\"action\":\"get_history\",\"pattern\":null}",
                            new NotebookRequest.GetHistory(null, 100, true)));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("lenientInputs")
        void acceptWhatSerdeAccepts(String json, NotebookRequest expected) throws MalformedMessageException {
            assertThat(parse(json, NotebookRequest.class)).isEqualTo(expected);
        }

        /** serde's Value takes any JSON; a message without header is the handler's error, not the parser's. */
        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"{}", "null", "[1,2]", "\"text\"", "7"})
        void sendCommKeepsAnyJsonMessageAsItCame(String message) throws MalformedMessageException {
            String json = "{\"action\":\"send_comm\",\"message\":" + message + "}";

            NotebookRequest parsed = parse(json, NotebookRequest.class);

            assertThat(parsed).isEqualTo(new NotebookRequest.SendComm(tree(message)));
            assertThat(compact(parsed)).isEqualTo(json);
        }

        @Test
        void sendCommKeepsTheMessagesKeyOrderAndNumbers() throws MalformedMessageException {
            String json = "{\"action\":\"send_comm\",\"message\":{\"z\":1,\"a\":1.5,\"m\":-12345678901234,\"e\":[true,null]}}";

            assertThat(compact(parse(json, NotebookRequest.class))).isEqualTo(json);
        }
    }

    @Nested
    class Responses {
        static Stream<Arguments> specExamples() {
            return Stream.of(
                    arguments(new NotebookResponse.KernelLaunched("python", "uv:prewarmed", LaunchedEnvConfig.prewarmed("6f1c…")),
                            "{\"result\":\"kernel_launched\",\"kernel_type\":\"python\",\"env_source\":\"uv:prewarmed\","
                                    + "\"launched_config\":{\"launch_id\":\"6f1c…\"}}"),
                    arguments(new NotebookResponse.KernelAlreadyRunning("python", "uv:inline",
                                    new LaunchedEnvConfig(List.of("pandas"), null, null, null, INLINE_ENV, INLINE_ENV + "/bin/python", "…")),
                            "{\"result\":\"kernel_already_running\",\"kernel_type\":\"python\",\"env_source\":\"uv:inline\","
                                    + "\"launched_config\":{\"uv_deps\":[\"pandas\"],\"venv_path\":\"" + INLINE_ENV + "\","
                                    + "\"python_path\":\"" + INLINE_ENV + "/bin/python\",\"launch_id\":\"…\"}}"),
                    arguments(new NotebookResponse.CellQueued("c1"), "{\"result\":\"cell_queued\",\"cell_id\":\"c1\"}"),
                    arguments(new NotebookResponse.OutputsCleared("c1"), "{\"result\":\"outputs_cleared\",\"cell_id\":\"c1\"}"),
                    arguments(new NotebookResponse.InterruptSent(), "{\"result\":\"interrupt_sent\"}"),
                    arguments(new NotebookResponse.KernelShuttingDown(), "{\"result\":\"kernel_shutting_down\"}"),
                    arguments(new NotebookResponse.NoKernel(), "{\"result\":\"no_kernel\"}"),
                    arguments(new NotebookResponse.KernelInfo("python", "uv:prewarmed", "idle"),
                            "{\"result\":\"kernel_info\",\"kernel_type\":\"python\",\"env_source\":\"uv:prewarmed\",\"status\":\"idle\"}"),
                    arguments(NotebookResponse.KernelInfo.notStarted(),
                            "{\"result\":\"kernel_info\",\"kernel_type\":null,\"env_source\":null,\"status\":\"not_started\"}"),
                    arguments(new NotebookResponse.QueueState("c2", List.of("c3", "c4")),
                            "{\"result\":\"queue_state\",\"executing\":\"c2\",\"queued\":[\"c3\",\"c4\"]}"),
                    arguments(new NotebookResponse.QueueState(null, List.of()), "{\"result\":\"queue_state\",\"executing\":null,\"queued\":[]}"),
                    arguments(new NotebookResponse.AllCellsQueued(4), "{\"result\":\"all_cells_queued\",\"count\":4}"),
                    arguments(new NotebookResponse.NotebookSaved(), "{\"result\":\"notebook_saved\"}"),
                    arguments(new NotebookResponse.Ok(), "{\"result\":\"ok\"}"),
                    arguments(new NotebookResponse.Error("Cell not found in document: c9"),
                            "{\"result\":\"error\",\"error\":\"Cell not found in document: c9\"}"),
                    arguments(new NotebookResponse.HistoryResult(List.of(new HistoryEntry(3, 7, "df.head()"))),
                            "{\"result\":\"history_result\",\"entries\":[{\"session\":3,\"line\":7,\"source\":\"df.head()\"}]}"),
                    arguments(new NotebookResponse.CompletionResult(List.of(CompletionItem.fromKernel("os")), 7, 8),
                            "{\"result\":\"completion_result\",\"items\":[{\"label\":\"os\",\"source\":\"kernel\"}],\"cursor_start\":7,\"cursor_end\":8}"),
                    arguments(new NotebookResponse.SyncEnvironmentComplete(List.of("polars")),
                            "{\"result\":\"sync_environment_complete\",\"synced_packages\":[\"polars\"]}"),
                    arguments(new NotebookResponse.SyncEnvironmentFailed("Channel changes require restart", true),
                            "{\"result\":\"sync_environment_failed\",\"error\":\"Channel changes require restart\",\"needs_restart\":true}"),
                    arguments(new NotebookResponse.SyncEnvironmentStarted(List.of("polars", "httpx")),
                            "{\"result\":\"sync_environment_started\",\"packages\":[\"polars\",\"httpx\"]}"));
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void serialiseToTheSpecsExactText(NotebookResponse response, String json) {
            assertThat(compact(response)).isEqualTo(json);
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void parseTheSpecsTextToTheSameValue(NotebookResponse response, String json) throws MalformedMessageException {
            assertThat(parse(json, NotebookResponse.class)).isEqualTo(response);
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void survivesATypedFrame(NotebookResponse response, String json) throws MalformedMessageException {
            NotebookFrames.Typed typed = NotebookFrames.decode(NotebookFrames.response(response));

            assertThat(typed.type()).isEqualTo(NotebookFrames.Type.RESPONSE);
            assertThat(Json.parse(typed.payload(), NotebookResponse.class)).isEqualTo(response);
        }

        @Test
        void extraKeysAreIgnored() throws MalformedMessageException {
            assertThat(parse("{\"result\":\"ok\",\"extra\":42}", NotebookResponse.class)).isEqualTo(new NotebookResponse.Ok());
            assertThat(parse("{\"result\":\"cell_queued\",\"cell_id\":\"c1\",\"execution_id\":\"e1\"}", NotebookResponse.class))
                    .isEqualTo(new NotebookResponse.CellQueued("c1"));
        }

        @Test
        void kernelInfoMayOmitItsNullableFields() throws MalformedMessageException {
            assertThat(parse("{\"result\":\"kernel_info\",\"status\":\"not_started\"}", NotebookResponse.class))
                    .isEqualTo(NotebookResponse.KernelInfo.notStarted());
        }
    }

    @Nested
    class LaunchedConfigs {
        static Stream<Arguments> shapes() {
            return Stream.of(
                    arguments(new LaunchedEnvConfig(null, null, null, null, null, null, null), "{}"),
                    arguments(new LaunchedEnvConfig(null, List.of("numpy", "scipy>=1.11"), List.of("conda-forge"), null,
                                    "/h/env", "/h/env/bin/python", "u1"),
                            "{\"conda_deps\":[\"numpy\",\"scipy>=1.11\"],\"conda_channels\":[\"conda-forge\"],"
                                    + "\"venv_path\":\"/h/env\",\"python_path\":\"/h/env/bin/python\",\"launch_id\":\"u1\"}"),
                    arguments(new LaunchedEnvConfig(List.of(), null, null, null, null, null, null), "{\"uv_deps\":[]}"),
                    arguments(new LaunchedEnvConfig(null, null, null,
                                    new DenoLaunchedConfig(List.of("--allow-net", "--allow-read"), "/a/import_map.json", "/a/deno.json", true),
                                    null, null, "u2"),
                            "{\"deno_config\":{\"permissions\":[\"--allow-net\",\"--allow-read\"],\"import_map\":\"/a/import_map.json\","
                                    + "\"config\":\"/a/deno.json\",\"flexible_npm_imports\":true},\"launch_id\":\"u2\"}"),
                    arguments(new LaunchedEnvConfig(null, null, null, new DenoLaunchedConfig(List.of(), null, null, false), null, null, "u3"),
                            "{\"deno_config\":{\"permissions\":[],\"flexible_npm_imports\":false},\"launch_id\":\"u3\"}"));
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("shapes")
        void everyFieldIsOmittedWhenAbsentInTheReferenceOrder(LaunchedEnvConfig config, String json) throws MalformedMessageException {
            assertThat(compact(config)).isEqualTo(json);
            assertThat(parse(json, LaunchedEnvConfig.class)).isEqualTo(config);
        }

        @Test
        void nullFieldsReadAsAbsent() throws MalformedMessageException {
            assertThat(parse("{\"uv_deps\":null,\"deno_config\":null,\"launch_id\":\"u\"}", LaunchedEnvConfig.class))
                    .isEqualTo(LaunchedEnvConfig.prewarmed("u"));
        }

        @Test
        void denoDefaultsArePermissiveNpmAndNoPermissions() throws MalformedMessageException {
            assertThat(parse("{}", DenoLaunchedConfig.class)).isEqualTo(new DenoLaunchedConfig(List.of(), null, null, true));
            assertThat(parse("{\"flexible_npm_imports\":false}", DenoLaunchedConfig.class))
                    .isEqualTo(new DenoLaunchedConfig(List.of(), null, null, false));
        }

        @Test
        void aLaunchWithoutConfigIsMalformed() {
            assertThatThrownBy(() -> parse("{\"result\":\"kernel_launched\",\"kernel_type\":\"python\",\"env_source\":\"uv:prewarmed\"}",
                    NotebookResponse.class))
                    .isInstanceOf(MalformedMessageException.class)
                    .hasMessageContaining("launched_config");
        }
    }

    @Nested
    class CompletionItems {
        @Test
        void labelComesFirstAndTheRestIsOmittedWhenAbsent() throws MalformedMessageException {
            assertThat(compact(new CompletionItem("os", null, null, null))).isEqualTo("{\"label\":\"os\"}");
            CompletionItem full = new CompletionItem("read_csv", "function", "def read_csv(filepath_or_buffer, ...)", "kernel");
            String json = "{\"label\":\"read_csv\",\"kind\":\"function\",\"detail\":\"def read_csv(filepath_or_buffer, ...)\",\"source\":\"kernel\"}";
            assertThat(compact(full)).isEqualTo(json);
            assertThat(parse(json, CompletionItem.class)).isEqualTo(full);
            assertThat(parse("{\"detail\":null,\"label\":\"x\"}", CompletionItem.class)).isEqualTo(new CompletionItem("x", null, null, null));
        }
    }

    @Nested
    class Broadcasts {
        static Stream<Arguments> specExamples() {
            return Stream.of(
                    arguments(new NotebookBroadcast.KernelStatus("busy", "c1"), "{\"event\":\"kernel_status\",\"status\":\"busy\",\"cell_id\":\"c1\"}"),
                    arguments(new NotebookBroadcast.KernelStatus("idle", null), "{\"event\":\"kernel_status\",\"status\":\"idle\",\"cell_id\":null}"),
                    arguments(new NotebookBroadcast.KernelStatus("error: Failed to launch kernel: boom", null),
                            "{\"event\":\"kernel_status\",\"status\":\"error: Failed to launch kernel: boom\",\"cell_id\":null}"),
                    arguments(new NotebookBroadcast.ExecutionStarted("c1", 7),
                            "{\"event\":\"execution_started\",\"cell_id\":\"c1\",\"execution_count\":7}"),
                    arguments(new NotebookBroadcast.Output("c1", "stream", HASH),
                            "{\"event\":\"output\",\"cell_id\":\"c1\",\"output_type\":\"stream\",\"output_json\":\"" + HASH + "\"}"),
                    arguments(new NotebookBroadcast.DisplayUpdate("d1", tree("{\"text/plain\":\"2\"}"), (ObjectNode) tree("{}")),
                            "{\"event\":\"display_update\",\"display_id\":\"d1\",\"data\":{\"text/plain\":\"2\"},\"metadata\":{}}"),
                    arguments(new NotebookBroadcast.ExecutionDone("c1"), "{\"event\":\"execution_done\",\"cell_id\":\"c1\"}"),
                    arguments(new NotebookBroadcast.QueueChanged("c1", List.of("c2")),
                            "{\"event\":\"queue_changed\",\"executing\":\"c1\",\"queued\":[\"c2\"]}"),
                    arguments(new NotebookBroadcast.QueueChanged(null, List.of()), "{\"event\":\"queue_changed\",\"executing\":null,\"queued\":[]}"),
                    arguments(new NotebookBroadcast.OutputsCleared("c1"), "{\"event\":\"outputs_cleared\",\"cell_id\":\"c1\"}"),
                    arguments(new NotebookBroadcast.Comm("comm_msg", tree("{\"comm_id\":\"w1\",\"data\":{\"method\":\"update\"}}"),
                                    List.of(CommBuffer.ofValues(137, 80))),
                            "{\"event\":\"comm\",\"msg_type\":\"comm_msg\",\"content\":{\"comm_id\":\"w1\",\"data\":{\"method\":\"update\"}},"
                                    + "\"buffers\":[[137,80]]}"),
                    arguments(new NotebookBroadcast.Comm("comm_open",
                                    tree("{\"comm_id\":\"w1\",\"target_name\":\"jupyter.widget\",\"data\":{},\"target_module\":null}"), List.of()),
                            "{\"event\":\"comm\",\"msg_type\":\"comm_open\",\"content\":{\"comm_id\":\"w1\",\"target_name\":\"jupyter.widget\","
                                    + "\"data\":{},\"target_module\":null},\"buffers\":[]}"),
                    arguments(new NotebookBroadcast.CommSync(List.of(
                                    new CommSnapshot("w1", "jupyter.widget", tree("{\"value\":7,\"_model_name\":\"IntSliderModel\"}"),
                                            "@jupyter-widgets/controls", "IntSliderModel", List.of(CommBuffer.ofValues(0, 255, 128))),
                                    new CommSnapshot("w2", "jupyter.widget.version", tree("{}"), null, null, List.of()))),
                            "{\"event\":\"comm_sync\",\"comms\":[{\"comm_id\":\"w1\",\"target_name\":\"jupyter.widget\","
                                    + "\"state\":{\"value\":7,\"_model_name\":\"IntSliderModel\"},\"model_module\":\"@jupyter-widgets/controls\","
                                    + "\"model_name\":\"IntSliderModel\",\"buffers\":[[0,255,128]]},"
                                    + "{\"comm_id\":\"w2\",\"target_name\":\"jupyter.widget.version\",\"state\":{}}]}"),
                    arguments(new NotebookBroadcast.EnvSyncState(false, new EnvSyncDiff(List.of("polars"), List.of(), false, false)),
                            "{\"event\":\"env_sync_state\",\"in_sync\":false,\"diff\":{\"added\":[\"polars\"],\"removed\":[],"
                                    + "\"channels_changed\":false,\"deno_changed\":false}}"),
                    arguments(new NotebookBroadcast.EnvSyncState(true, null), "{\"event\":\"env_sync_state\",\"in_sync\":true}"),
                    arguments(new NotebookBroadcast.KernelError("…"), "{\"event\":\"kernel_error\",\"error\":\"…\"}"));
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void serialiseToTheSpecsExactText(NotebookBroadcast broadcast, String json) {
            assertThat(compact(broadcast)).isEqualTo(json);
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void parseTheSpecsTextToTheSameValue(NotebookBroadcast broadcast, String json) throws MalformedMessageException {
            assertThat(parse(json, NotebookBroadcast.class)).isEqualTo(broadcast);
        }

        @ParameterizedTest(name = "{1}")
        @MethodSource("specExamples")
        void survivesATypedFrame(NotebookBroadcast broadcast, String json) throws MalformedMessageException {
            NotebookFrames.Typed typed = NotebookFrames.decode(NotebookFrames.broadcast(broadcast));

            assertThat(typed.type()).isEqualTo(NotebookFrames.Type.BROADCAST);
            assertThat(Json.parse(typed.payload(), NotebookBroadcast.class)).isEqualTo(broadcast);
        }

        @Test
        void commBuffersAreByteValuesNeverBase64() {
            byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, (byte) 0xff};

            assertThat(compact(new NotebookBroadcast.Comm("comm_msg", tree("{}"), List.of(CommBuffer.of(png), CommBuffer.of(new byte[0])))))
                    .isEqualTo("{\"event\":\"comm\",\"msg_type\":\"comm_msg\",\"content\":{},\"buffers\":[[137,80,78,71,0,255],[]]}");
        }

        @Test
        void commBuffersMayBeMissingAndThenAreEmpty() throws MalformedMessageException {
            assertThat(parse("{\"event\":\"comm\",\"msg_type\":\"comm_close\",\"content\":{\"comm_id\":\"w1\",\"data\":{}}}",
                    NotebookBroadcast.class))
                    .isEqualTo(new NotebookBroadcast.Comm("comm_close", tree("{\"comm_id\":\"w1\",\"data\":{}}"), List.of()));
        }

        @Test
        void aSnapshotsBuffersMayBeMissing() throws MalformedMessageException {
            assertThat(parse("{\"comm_id\":\"w\",\"target_name\":\"t\",\"state\":{},\"model_module\":null}", CommSnapshot.class))
                    .isEqualTo(new CommSnapshot("w", "t", tree("{}"), null, null, List.of()));
        }

        @Test
        void envSyncDiffFieldsAllDefault() throws MalformedMessageException {
            assertThat(parse("{\"event\":\"env_sync_state\",\"in_sync\":false,\"diff\":{}}", NotebookBroadcast.class))
                    .isEqualTo(new NotebookBroadcast.EnvSyncState(false, new EnvSyncDiff(List.of(), List.of(), false, false)));
            assertThat(parse("{\"event\":\"env_sync_state\",\"in_sync\":true,\"diff\":null}", NotebookBroadcast.class))
                    .isEqualTo(new NotebookBroadcast.EnvSyncState(true, null));
        }

        @Test
        void extraKeysOfLaterDaemonsAreIgnored() throws MalformedMessageException {
            assertThat(parse("{\"event\":\"kernel_error\",\"error\":\"boom\",\"stack_trace\":\"...\"}", NotebookBroadcast.class))
                    .isEqualTo(new NotebookBroadcast.KernelError("boom"));
            assertThat(parse("{\"event\":\"output\",\"cell_id\":\"c1\",\"execution_id\":\"e\",\"output_type\":\"error\","
                    + "\"output_json\":\"{}\",\"output_index\":2}", NotebookBroadcast.class))
                    .isEqualTo(new NotebookBroadcast.Output("c1", "error", "{}"));
        }

        @Test
        void executionCountIsA64BitInteger() throws MalformedMessageException {
            NotebookBroadcast big = new NotebookBroadcast.ExecutionStarted("c1", 4_294_967_296L);

            assertThat(compact(big)).isEqualTo("{\"event\":\"execution_started\",\"cell_id\":\"c1\",\"execution_count\":4294967296}");
            assertThat(parse(compact(big), NotebookBroadcast.class)).isEqualTo(big);
        }
    }

    @Nested
    class TagsDoNotCross {
        @Test
        void aRequestIsNeitherAResponseNorABroadcast() {
            String request = "{\"action\":\"execute_cell\",\"cell_id\":\"c1\"}";

            assertThatThrownBy(() -> parse(request, NotebookResponse.class)).isInstanceOf(MalformedMessageException.class);
            assertThatThrownBy(() -> parse(request, NotebookBroadcast.class)).isInstanceOf(MalformedMessageException.class);
        }

        @Test
        void aResponseIsNeitherARequestNorABroadcast() {
            assertThatThrownBy(() -> parse("{\"result\":\"ok\"}", NotebookRequest.class)).isInstanceOf(MalformedMessageException.class);
            assertThatThrownBy(() -> parse("{\"result\":\"ok\"}", NotebookBroadcast.class)).isInstanceOf(MalformedMessageException.class);
        }

        @Test
        void aBroadcastIsNeitherARequestNorAResponse() {
            String broadcast = "{\"event\":\"outputs_cleared\",\"cell_id\":\"c1\"}";

            assertThatThrownBy(() -> parse(broadcast, NotebookRequest.class)).isInstanceOf(MalformedMessageException.class);
            assertThatThrownBy(() -> parse(broadcast, NotebookResponse.class)).isInstanceOf(MalformedMessageException.class);
        }
    }

    @Nested
    class Rejections {
        /** (target type, payload, a fragment the message must contain, or null for "any plain message"). */
        static Stream<Arguments> malformed() {
            return Stream.of(
                    // unknown or miscased tags; a missing tag
                    arguments(NotebookRequest.class, "{\"action\":\"restart_kernel\"}", "unknown action 'restart_kernel'"),
                    arguments(NotebookRequest.class, "{\"action\":\"ExecuteCell\",\"cell_id\":\"c1\"}", "ExecuteCell"),
                    arguments(NotebookRequest.class, "{\"action\":\"execute_cell \",\"cell_id\":\"c1\"}", "execute_cell "),
                    arguments(NotebookRequest.class, "{\"cell_id\":\"c1\"}", "missing \"action\""),
                    arguments(NotebookRequest.class, "{\"action\":null}", "missing \"action\""),
                    arguments(NotebookRequest.class, "{}", "missing \"action\""),
                    arguments(NotebookResponse.class, "{\"status\":\"idle\"}", "missing \"result\""),
                    arguments(NotebookBroadcast.class, "{\"status\":\"idle\"}", "missing \"event\""),
                    arguments(NotebookResponse.class, "{\"result\":\"kernel_restarted\"}", "unknown result 'kernel_restarted'"),
                    arguments(NotebookBroadcast.class, "{\"event\":\"room_renamed\",\"new_notebook_id\":\"x\"}", "unknown event 'room_renamed'"),
                    // missing required fields
                    arguments(NotebookRequest.class, "{\"action\":\"execute_cell\"}", "cell_id"),
                    arguments(NotebookRequest.class, "{\"action\":\"queue_cell\",\"cell_id\":\"c1\"}", "code"),
                    arguments(NotebookRequest.class, "{\"action\":\"launch_kernel\",\"kernel_type\":\"python\"}", "env_source"),
                    arguments(NotebookRequest.class, "{\"action\":\"send_comm\"}", "message"),
                    arguments(NotebookRequest.class, "{\"action\":\"get_history\",\"pattern\":null,\"unique\":true}", "n is required"),
                    arguments(NotebookRequest.class, "{\"action\":\"get_history\",\"pattern\":null,\"n\":1}", "unique"),
                    arguments(NotebookRequest.class, "{\"action\":\"complete\",\"code\":\"x\"}", "cursor_pos"),
                    arguments(NotebookRequest.class, "{\"action\":\"save_notebook\"}", "format_cells"),
                    arguments(NotebookResponse.class, "{\"result\":\"error\"}", "error"),
                    arguments(NotebookResponse.class, "{\"result\":\"queue_state\",\"executing\":null}", "queued"),
                    arguments(NotebookResponse.class, "{\"result\":\"all_cells_queued\"}", "count"),
                    arguments(NotebookResponse.class, "{\"result\":\"kernel_info\",\"kernel_type\":null,\"env_source\":null}", "status"),
                    arguments(NotebookResponse.class, "{\"result\":\"sync_environment_failed\",\"error\":\"x\"}", "needs_restart"),
                    arguments(NotebookResponse.class, "{\"result\":\"history_result\",\"entries\":[{\"session\":1,\"source\":\"x\"}]}", "line"),
                    arguments(NotebookBroadcast.class, "{\"event\":\"execution_started\",\"cell_id\":\"c1\"}", "execution_count"),
                    arguments(NotebookBroadcast.class, "{\"event\":\"display_update\",\"display_id\":\"d1\",\"data\":{}}", "metadata"),
                    arguments(NotebookBroadcast.class, "{\"event\":\"comm_sync\"}", "comms"),
                    arguments(NotebookBroadcast.class, "{\"event\":\"comm_sync\",\"comms\":[{\"comm_id\":\"w\",\"target_name\":\"t\"}]}", "state"),
                    arguments(NotebookBroadcast.class, "{\"event\":\"comm_sync\",\"comms\":[{\"comm_id\":\"w\",\"state\":{}}]}", "target_name"),
                    arguments(NotebookBroadcast.class, "{\"event\":\"comm\",\"msg_type\":\"comm_msg\",\"buffers\":[]}", "content"),
                    arguments(NotebookBroadcast.class, "{\"event\":\"env_sync_state\"}", "in_sync"),
                    // null where the wire says String / Vec / number / bool
                    arguments(NotebookRequest.class, "{\"action\":\"execute_cell\",\"cell_id\":null}", "cell_id"),
                    arguments(NotebookRequest.class, "{\"action\":\"get_history\",\"pattern\":null,\"n\":null,\"unique\":true}", "n"),
                    arguments(NotebookRequest.class, "{\"action\":\"save_notebook\",\"format_cells\":null}", "format_cells"),
                    arguments(NotebookResponse.class, "{\"result\":\"queue_state\",\"executing\":null,\"queued\":null}", "queued"),
                    arguments(NotebookResponse.class, "{\"result\":\"queue_state\",\"executing\":null,\"queued\":[\"c1\",null]}", "queued"),
                    arguments(NotebookBroadcast.class, "{\"event\":\"display_update\",\"display_id\":\"d1\",\"data\":{},\"metadata\":null}", "metadata"),
                    // wrong types are never coerced
                    arguments(NotebookRequest.class, "{\"action\":\"execute_cell\",\"cell_id\":7}", "cell_id"),
                    arguments(NotebookRequest.class, "{\"action\":\"execute_cell\",\"cell_id\":[\"c1\"]}", "cell_id"),
                    arguments(NotebookRequest.class, "{\"action\":\"execute_cell\",\"cell_id\":{\"id\":\"c1\"}}", "cell_id"),
                    arguments(NotebookRequest.class, "{\"action\":\"launch_kernel\",\"kernel_type\":\"python\",\"env_source\":\"auto\","
                            + "\"notebook_path\":5}", "notebook_path"),
                    arguments(NotebookRequest.class, "{\"action\":\"get_history\",\"pattern\":null,\"n\":\"100\",\"unique\":true}", "n"),
                    arguments(NotebookRequest.class, "{\"action\":\"get_history\",\"pattern\":null,\"n\":1.5,\"unique\":true}", "n"),
                    arguments(NotebookRequest.class, "{\"action\":\"get_history\",\"pattern\":null,\"n\":4294967296,\"unique\":true}", null),
                    arguments(NotebookRequest.class, "{\"action\":\"get_history\",\"pattern\":null,\"n\":1,\"unique\":1}", "unique"),
                    arguments(NotebookRequest.class, "{\"action\":\"get_history\",\"pattern\":null,\"n\":1,\"unique\":\"true\"}", "unique"),
                    arguments(NotebookRequest.class, "{\"action\":\"save_notebook\",\"format_cells\":0}", "format_cells"),
                    arguments(NotebookRequest.class, "{\"action\":\"save_notebook\",\"format_cells\":false,\"force\":\"yes\"}", "force"),
                    arguments(NotebookRequest.class, "{\"action\":\"complete\",\"code\":\"x\",\"cursor_pos\":-1}", "cursor_pos"),
                    arguments(NotebookRequest.class, "{\"action\":\"complete\",\"code\":\"x\",\"cursor_pos\":\"8\"}", "cursor_pos"),
                    arguments(NotebookResponse.class, "{\"result\":\"all_cells_queued\",\"count\":-4}", "count"),
                    arguments(NotebookResponse.class, "{\"result\":\"sync_environment_failed\",\"error\":\"x\",\"needs_restart\":\"true\"}",
                            "needs_restart"),
                    arguments(NotebookBroadcast.class, "{\"event\":\"execution_started\",\"cell_id\":\"c1\",\"execution_count\":7.0}",
                            "execution_count"),
                    arguments(NotebookBroadcast.class, "{\"event\":\"display_update\",\"display_id\":\"d1\",\"data\":{},\"metadata\":[]}",
                            "metadata"),
                    // comm buffers: byte values only, never base64
                    arguments(NotebookBroadcast.class, "{\"event\":\"comm\",\"msg_type\":\"comm_msg\",\"content\":{},\"buffers\":[\"iVA=\"]}",
                            "byte values"),
                    arguments(NotebookBroadcast.class, "{\"event\":\"comm\",\"msg_type\":\"comm_msg\",\"content\":{},\"buffers\":[[256]]}",
                            "256"),
                    arguments(NotebookBroadcast.class, "{\"event\":\"comm\",\"msg_type\":\"comm_msg\",\"content\":{},\"buffers\":[[-1]]}",
                            "-1"),
                    arguments(NotebookBroadcast.class, "{\"event\":\"comm\",\"msg_type\":\"comm_msg\",\"content\":{},\"buffers\":[[1.5]]}",
                            "byte value"),
                    arguments(NotebookBroadcast.class, "{\"event\":\"comm\",\"msg_type\":\"comm_msg\",\"content\":{},\"buffers\":[null]}",
                            "null"),
                    arguments(NotebookBroadcast.class, "{\"event\":\"comm\",\"msg_type\":\"comm_msg\",\"content\":{},\"buffers\":\"iVA=\"}",
                            "buffers"),
                    // not an object
                    arguments(NotebookRequest.class, "", null),
                    arguments(NotebookRequest.class, "null", "null"),
                    arguments(NotebookRequest.class, "[\"execute_cell\",{\"cell_id\":\"c1\"}]", null),
                    arguments(NotebookRequest.class, "{\"action\":\"get_kernel_info\"", null),
                    arguments(NotebookRequest.class, "{\"action\":\"get_kernel_info\"}{}", "trailing"));
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
    }

    @Nested
    class NonAscii {
        @Test
        void staysRawUtf8LikeSerde() {
            String json = "{\"action\":\"queue_cell\",\"cell_id\":\"é\",\"code\":\"print('zoë 中文 🎉')\"}";

            assertThat(Json.compact(new NotebookRequest.QueueCell("é", "print('zoë 中文 🎉')"))).isEqualTo(json.getBytes(UTF_8));
        }

        /** Jackson would write characters outside the BMP as a surrogate-pair escape; serde never does. */
        @Test
        void charactersOutsideTheBasicPlaneAreRawUtf8Too() throws MalformedMessageException {
            Handshake handshake = Handshake.NotebookSync.typedFrames("/home/zoë/🎉 party.ipynb");
            NotebookBroadcast output = new NotebookBroadcast.KernelStatus("error: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🐍", null);

            assertThat(Json.compact(handshake)).isEqualTo(
                    "{\"channel\":\"notebook_sync\",\"notebook_id\":\"/home/zoë/🎉 party.ipynb\",\"protocol\":\"v2\"}".getBytes(UTF_8));
            assertThat(Json.compact(output)).isEqualTo(
                    "{\"event\":\"kernel_status\",\"status\":\"error: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🐍\",\"cell_id\":null}".getBytes(UTF_8));
            assertThat(Json.parse(Json.compact(output), NotebookBroadcast.class)).isEqualTo(output);
        }

        @Test
        void escapedInputParsesToTheSameText() throws MalformedMessageException {
            assertThat(parse("{\"action\":\"execute_cell\",\"cell_id\":\"\\u00e9\\ud83c\\udf89\"}", NotebookRequest.class))
                    .isEqualTo(new NotebookRequest.ExecuteCell("é🎉"));
        }

        @Test
        void controlCharactersAndQuotesAreEscapedAsSerdeDoes() throws MalformedMessageException {
            NotebookResponse error = new NotebookResponse.Error("Failed to save notebook: \"a\"\n\tb\\c\u0001\u001f\b\f\r/\u007f");

            String json = compact(error);

            // serde_json: short escapes where JSON has them, else \\u00xx in lowercase hex; '/' and DEL raw
            assertThat(json).isEqualTo("{\"result\":\"error\",\"error\":"
                    + "\"Failed to save notebook: \\\"a\\\"\\n\\tb\\\\c\\u0001\\u001f\\b\\f\\r/\u007f\"}");
            assertThat(parse(json, NotebookResponse.class)).isEqualTo(error);
        }
    }

    private static String compact(Object value) {
        return new String(Json.compact(value), UTF_8);
    }

    private static <T> T parse(String json, Class<T> type) throws MalformedMessageException {
        return Json.parse(json.getBytes(UTF_8), type);
    }

    private static JsonNode tree(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(json, e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** A byte channel over memory: reads the given bytes, keeps what is written. */
    private static final class MemoryChannel implements ByteChannel {
        private final ByteArrayInputStream in;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private boolean open = true;

        MemoryChannel(byte[] toRead) {
            this.in = new ByteArrayInputStream(toRead);
        }

        byte[] written() {
            return out.toByteArray();
        }

        @Override
        public int read(ByteBuffer dst) {
            int n = Math.min(dst.remaining(), in.available());
            if (n == 0) {
                return dst.hasRemaining() ? -1 : 0;
            }
            byte[] chunk = new byte[n];
            in.read(chunk, 0, n);
            dst.put(chunk);
            return n;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            byte[] chunk = new byte[n];
            src.get(chunk);
            out.write(chunk, 0, n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }
}
