package io.runtimed.protocol;

import static io.runtimed.protocol.WireValues.optionalList;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * KERNELS.md §2: the environment a kernel was launched with ({@code launched_config} of
 * {@code kernel_launched} and {@code kernel_already_running}), compared with the notebook's metadata
 * to detect drift (§10). Every field is optional and omitted when absent; {@code null} reads as absent.
 * {@code venv_path}/{@code python_path} only for {@code uv:inline} and {@code conda:inline},
 * {@code conda_channels} only for {@code conda:inline}, {@code deno_config} only for deno kernels,
 * {@code launch_id} a fresh UUID v4 per launch.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"uv_deps", "conda_deps", "conda_channels", "deno_config", "venv_path", "python_path", "launch_id"})
public record LaunchedEnvConfig(List<String> uvDeps, List<String> condaDeps, List<String> condaChannels,
                                DenoLaunchedConfig denoConfig, String venvPath, String pythonPath, String launchId) {
    public LaunchedEnvConfig {
        uvDeps = optionalList(uvDeps, "uv_deps");
        condaDeps = optionalList(condaDeps, "conda_deps");
        condaChannels = optionalList(condaChannels, "conda_channels");
    }

    /** A prewarmed launch: nothing but the launch id. */
    public static LaunchedEnvConfig prewarmed(String launchId) {
        return new LaunchedEnvConfig(null, null, null, null, null, null, launchId);
    }
}
