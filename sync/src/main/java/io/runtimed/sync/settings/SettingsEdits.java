package io.runtimed.sync.settings;

import java.util.List;
import java.util.Map;

/**
 * What a settings.json says, key by key, for applying it to the document as a diff
 * (SETTINGS.md §7). A null field means the key is absent from the file, and absent keys never reset
 * anything.
 *
 * @param theme            {@code theme}, verbatim (unvalidated, as the reference stores it)
 * @param defaultRuntime   {@code default_runtime}, verbatim
 * @param defaultPythonEnv {@code default_python_env}, verbatim
 * @param uv               the {@code uv} section, or null
 * @param conda            the {@code conda} section, or null
 */
public record SettingsEdits(String theme, String defaultRuntime, String defaultPythonEnv, Section uv, Section conda) {

    /**
     * One section of the file.
     *
     * @param defaultPackages {@code default_packages}, or null when the section does not name it
     * @param otherStrings    the section's other string settings (e.g. {@code uv.python}), in file order
     */
    public record Section(List<String> defaultPackages, Map<String, String> otherStrings) {
        public Section {
            defaultPackages = defaultPackages == null ? null : List.copyOf(defaultPackages);
            otherStrings = Map.copyOf(otherStrings);
        }
    }
}
