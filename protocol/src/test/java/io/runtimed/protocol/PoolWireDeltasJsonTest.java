package io.runtimed.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** KERNELS.md §11.1: inspect_notebook, PoolError, stats with errors and the pool_state_subscribe channel. */
class PoolWireDeltasJsonTest {
    static String compact(Object o) {
        return new String(Json.compact(o), StandardCharsets.UTF_8);
    }

    static <T> T parse(String json, Class<T> type) throws MalformedMessageException {
        return Json.parse(json.getBytes(StandardCharsets.UTF_8), type);
    }

    static void both(Object value, String json, Class<?> type) throws MalformedMessageException {
        assertThat(compact(value)).isEqualTo(json);
        assertThat(parse(json, type)).isEqualTo(value);
    }

    @Nested
    class InspectNotebook {
        @Test
        void theRequestIsTypeAndNotebookId() throws Exception {
            both(new PoolRequest.InspectNotebook("/a/nb.ipynb"),
                    "{\"type\":\"inspect_notebook\",\"notebook_id\":\"/a/nb.ipynb\"}", PoolRequest.class);
        }

        @Test
        void aRequestWithoutNotebookIdIsMalformed() {
            assertThatThrownBy(() -> parse("{\"type\":\"inspect_notebook\"}", PoolRequest.class))
                    .isInstanceOf(MalformedMessageException.class).hasMessageContaining("notebook_id is required");
        }

        @Test
        void aLiveRoomsStateCarriesItsCellsAndKernel() throws Exception {
            PoolResponse state = new PoolResponse.NotebookState("/a/nb.ipynb",
                    List.of(new CellSnapshot("cell-1", "code", "x = 42", "1",
                            List.of("{\"output_type\":\"stream\",\"name\":\"stdout\",\"text\":\"hi\\n\"}"))),
                    PoolResponse.NotebookState.Source.LIVE_ROOM,
                    new NotebookKernelInfo("python", "uv:prewarmed", "idle"));
            both(state, "{\"type\":\"notebook_state\",\"notebook_id\":\"/a/nb.ipynb\",\"cells\":[{\"id\":\"cell-1\","
                    + "\"cell_type\":\"code\",\"source\":\"x = 42\",\"execution_count\":\"1\",\"outputs\":["
                    + "\"{\\\"output_type\\\":\\\"stream\\\",\\\"name\\\":\\\"stdout\\\",\\\"text\\\":\\\"hi\\\\n\\\"}\"]}],"
                    + "\"source\":\"live_room\",\"kernel_info\":{\"kernel_type\":\"python\",\"env_source\":\"uv:prewarmed\","
                    + "\"status\":\"idle\"}}", PoolResponse.class);
        }

        @Test
        void aPersistedFilesStateWritesKernelInfoAsNull() throws Exception {
            PoolResponse state = new PoolResponse.NotebookState("nb",
                    List.of(new CellSnapshot("c", "markdown", "", "null", List.of())),
                    PoolResponse.NotebookState.Source.PERSISTED_FILE, null);
            both(state, "{\"type\":\"notebook_state\",\"notebook_id\":\"nb\",\"cells\":[{\"id\":\"c\",\"cell_type\":"
                    + "\"markdown\",\"source\":\"\",\"execution_count\":\"null\",\"outputs\":[]}],"
                    + "\"source\":\"persisted_file\",\"kernel_info\":null}", PoolResponse.class);
        }

        @Test
        void notFoundIsTheErrorAnswer() throws Exception {
            both(new PoolResponse.Error("Notebook not found: no active room and no persisted file at \"/d/x.automerge\""),
                    "{\"type\":\"error\",\"message\":\"Notebook not found: no active room and no persisted file at "
                            + "\\\"/d/x.automerge\\\"\"}", PoolResponse.class);
        }
    }

    @Nested
    class PoolErrors {
        @Test
        void aFailureNamingAPackageIsTheSpecsExample() throws Exception {
            both(new PoolError("…", "numpyy", 2, 41),
                    "{\"message\":\"…\",\"failed_package\":\"numpyy\",\"consecutive_failures\":2,\"retry_in_secs\":41}",
                    PoolError.class);
        }

        @Test
        void anUnknownPackageIsOmitted() throws Exception {
            both(new PoolError("uv venv failed (exit 2): error: no network", null, 1, 30),
                    "{\"message\":\"uv venv failed (exit 2): error: no network\",\"consecutive_failures\":1,"
                            + "\"retry_in_secs\":30}", PoolError.class);
        }

        @Test
        void statsCarryAnErrorOnlyForAFailingPool() throws Exception {
            both(new PoolResponse.Stats(new PoolStats(0, 0, 3, 0, null, null, new PoolError("m", null, 3, 0), null)),
                    "{\"type\":\"stats\",\"stats\":{\"uv_available\":0,\"uv_warming\":0,\"conda_available\":3,"
                            + "\"conda_warming\":0,\"uv_error\":{\"message\":\"m\",\"consecutive_failures\":3,"
                            + "\"retry_in_secs\":0}}}", PoolResponse.class);
            both(new PoolResponse.Stats(new PoolStats(1, 0, 0, 0)),
                    "{\"type\":\"stats\",\"stats\":{\"uv_available\":1,\"uv_warming\":0,\"conda_available\":0,"
                            + "\"conda_warming\":0}}", PoolResponse.class);
        }
    }

    @Nested
    class PoolStateSubscribe {
        @Test
        void theHandshakeIsExactlyTheChannelName() throws Exception {
            both(new Handshake.PoolStateSubscribe(), "{\"channel\":\"pool_state_subscribe\"}", Handshake.class);
            assertThat(new Handshake.PoolStateSubscribe().channelName()).isEqualTo("pool_state_subscribe");
        }

        @Test
        void aHealthyStateWritesBothErrorsAsNull() throws Exception {
            both(PoolState.healthy(), "{\"event\":\"pool_state\",\"uv_error\":null,\"conda_error\":null}", PoolState.class);
        }

        @Test
        void aFailingPoolsErrorIsAPoolErrorObject() throws Exception {
            both(new PoolState(null, new PoolError("no conda", null, 0, 0)),
                    "{\"event\":\"pool_state\",\"uv_error\":null,\"conda_error\":{\"message\":\"no conda\","
                            + "\"consecutive_failures\":0,\"retry_in_secs\":0}}", PoolState.class);
            both(new PoolState(new PoolError("x", "numpyy", 2, 41), null),
                    "{\"event\":\"pool_state\",\"uv_error\":{\"message\":\"x\",\"failed_package\":\"numpyy\","
                            + "\"consecutive_failures\":2,\"retry_in_secs\":41},\"conda_error\":null}", PoolState.class);
        }
    }
}
