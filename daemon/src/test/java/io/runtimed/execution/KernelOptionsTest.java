package io.runtimed.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.protocol.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The kernel options: command line first, then settings.json's {@code kernels.*}, then the defaults. */
class KernelOptionsTest {
    private static final KernelOptions NOTHING_GIVEN = new KernelOptions(null, null, null, Path.of("/run/k"));

    private static JsonNode settings(String json) throws Exception {
        return Json.MAPPER.readTree(json);
    }

    @Test
    void withoutSettingsTheDefaultsApply() throws Exception {
        JsonNode empty = settings("{}");
        assertThat(NOTHING_GIVEN.poolSize(empty)).isEqualTo(1);
        assertThat(NOTHING_GIVEN.keepAlive(empty)).isEqualTo(Duration.ofSeconds(30));
        assertThat(NOTHING_GIVEN.preimports(empty)).isEmpty();
    }

    @Test
    void settingsApplyAsNumbersOrStrings() throws Exception {
        JsonNode s = settings("{\"kernels\":{\"pool_size\":\"2\",\"keep_alive_secs\":1.5,\"preimport\":[\"numpy\",3]}}");
        assertThat(NOTHING_GIVEN.poolSize(s)).isEqualTo(2);
        assertThat(NOTHING_GIVEN.keepAlive(s)).isEqualTo(Duration.ofMillis(1500));
        assertThat(NOTHING_GIVEN.preimports(s)).containsExactly("numpy");
    }

    @Test
    void badOrOutOfRangeSettingsFallBackOrAreClamped() throws Exception {
        assertThat(NOTHING_GIVEN.poolSize(settings("{\"kernels\":{\"pool_size\":\"many\"}}"))).isEqualTo(1);
        assertThat(NOTHING_GIVEN.poolSize(settings("{\"kernels\":{\"pool_size\":99}}"))).isEqualTo(KernelOptions.MAX_POOL_SIZE);
        assertThat(NOTHING_GIVEN.poolSize(settings("{\"kernels\":{\"pool_size\":-3}}"))).isZero();
        assertThat(NOTHING_GIVEN.keepAlive(settings("{\"kernels\":{\"keep_alive_secs\":\"soon\"}}")))
                .isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void theCommandLineWinsOverSettings() throws Exception {
        KernelOptions given = NOTHING_GIVEN.withPoolSize(0).withKeepAlive(Duration.ofSeconds(3)).withPreimports(List.of("os"));
        JsonNode s = settings("{\"kernels\":{\"pool_size\":2,\"keep_alive_secs\":60,\"preimport\":[\"numpy\"]}}");
        assertThat(given.poolSize(s)).isZero();
        assertThat(given.keepAlive(s)).isEqualTo(Duration.ofSeconds(3));
        assertThat(given.preimports(s)).containsExactly("os");
        assertThatThrownBy(() -> NOTHING_GIVEN.withPoolSize(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void connectionFilesGoToJupytersRuntimeDirectory() {
        Path data = Path.of("/home/u/.local/share");
        assertThat(KernelOptions.jupyterRuntimeDir(Map.of("JUPYTER_RUNTIME_DIR", "/j"), data)).isEqualTo(Path.of("/j"));
        assertThat(KernelOptions.jupyterRuntimeDir(Map.of("XDG_RUNTIME_DIR", "/run/user/1"), data))
                .isEqualTo(Path.of("/run/user/1/jupyter"));
        assertThat(KernelOptions.jupyterRuntimeDir(Map.of(), data)).isEqualTo(data.resolve("jupyter/runtime"));
    }
}
