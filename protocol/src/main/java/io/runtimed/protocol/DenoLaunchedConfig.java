package io.runtimed.protocol;

import static io.runtimed.protocol.WireValues.listOrEmpty;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * KERNELS.md §2: {@code launched_config.deno_config}, from the notebook's {@code runt.deno}:
 * {@code {"permissions":[…],"import_map":"…"?,"config":"…"?,"flexible_npm_imports":true}}.
 * {@code permissions} and {@code flexible_npm_imports} are always written and default to {@code []}
 * and {@code true} when missing; {@code import_map} and {@code config} are omitted when absent.
 */
@JsonPropertyOrder({"permissions", "import_map", "config", "flexible_npm_imports"})
public record DenoLaunchedConfig(List<String> permissions,
                                 @JsonInclude(JsonInclude.Include.NON_NULL) String importMap,
                                 @JsonInclude(JsonInclude.Include.NON_NULL) String config,
                                 boolean flexibleNpmImports) {
    public DenoLaunchedConfig {
        permissions = listOrEmpty(permissions, "permissions");
    }

    /** serde's defaults: a missing {@code flexible_npm_imports} is {@code true}, not {@code false}. */
    @JsonCreator
    static DenoLaunchedConfig fromWire(@JsonProperty("permissions") List<String> permissions,
                                       @JsonProperty("import_map") String importMap,
                                       @JsonProperty("config") String config,
                                       @JsonProperty("flexible_npm_imports") Boolean flexibleNpmImports) {
        return new DenoLaunchedConfig(permissions, importMap, config, flexibleNpmImports == null || flexibleNpmImports);
    }
}
