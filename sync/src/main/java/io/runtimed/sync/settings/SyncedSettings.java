package io.runtimed.sync.settings;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.runtimed.protocol.EnvType;
import java.util.List;
import java.util.Objects;

/**
 * The typed snapshot every peer derives from the settings document (SETTINGS.md §2). Its JSON form
 * is the body of settings.json and the UI's type:
 * {@code {"theme":"system","default_runtime":"python","default_python_env":"uv","uv":{"default_packages":[]},"conda":{"default_packages":[]}}}.
 *
 * <p>Parsing that JSON follows §2: every top-level key is optional, {@code default_packages} is
 * required inside its section, unknown keys (including {@code $schema}) are ignored, and enum
 * values are lowercase and exact.
 */
@JsonPropertyOrder({"theme", "default_runtime", "default_python_env", "uv", "conda"})
public record SyncedSettings(Theme theme, NotebookRuntime defaultRuntime, EnvType defaultPythonEnv,
                             PackageSection uv, PackageSection conda) {

    /** The defaults of SETTINGS.md §1. */
    public static final SyncedSettings DEFAULTS = new SyncedSettings(Theme.SYSTEM, NotebookRuntime.PYTHON, EnvType.UV,
            PackageSection.EMPTY, PackageSection.EMPTY);

    @JsonCreator
    public SyncedSettings(@JsonProperty("theme") Theme theme,
                          @JsonProperty("default_runtime") NotebookRuntime defaultRuntime,
                          @JsonProperty("default_python_env") EnvType defaultPythonEnv,
                          @JsonProperty("uv") PackageSection uv,
                          @JsonProperty("conda") PackageSection conda) {
        this.theme = Objects.requireNonNullElse(theme, Theme.SYSTEM);
        this.defaultRuntime = Objects.requireNonNullElse(defaultRuntime, NotebookRuntime.PYTHON);
        this.defaultPythonEnv = Objects.requireNonNullElse(defaultPythonEnv, EnvType.UV);
        this.uv = Objects.requireNonNullElse(uv, PackageSection.EMPTY);
        this.conda = Objects.requireNonNullElse(conda, PackageSection.EMPTY);
    }

    /** A {@code uv} or {@code conda} section: the extra packages new environments get. */
    public record PackageSection(List<String> defaultPackages) {
        public static final PackageSection EMPTY = new PackageSection(List.of());

        @JsonCreator
        public PackageSection(@JsonProperty(value = "default_packages", required = true) List<String> defaultPackages) {
            this.defaultPackages = List.copyOf(Objects.requireNonNull(defaultPackages, "default_packages is required"));
        }
    }

    /** The section of an env type. */
    public PackageSection section(EnvType type) {
        return type == EnvType.UV ? uv : conda;
    }
}
