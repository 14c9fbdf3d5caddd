package io.runtimed.sync.settings;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
     * Only what differs from {@code previous}, an earlier reading of the same file: the keys the
     * user actually edited since. Applying this instead of the whole file keeps a change another
     * window made in the meantime (the file still shows the older value for it) from being undone.
     */
    public SettingsEdits changedSince(SettingsEdits previous) {
        return new SettingsEdits(
                changed(theme, previous.theme),
                changed(defaultRuntime, previous.defaultRuntime),
                changed(defaultPythonEnv, previous.defaultPythonEnv),
                uv == null ? null : uv.changedSince(previous.uv),
                conda == null ? null : conda.changedSince(previous.conda));
    }

    private static <T> T changed(T now, T before) {
        return Objects.equals(now, before) ? null : now;
    }

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

        Section changedSince(Section previous) {
            if (previous == null) {
                return this;
            }
            Map<String, String> others = new HashMap<>();
            otherStrings.forEach((k, v) -> {
                if (!v.equals(previous.otherStrings.get(k))) {
                    others.put(k, v);
                }
            });
            return new Section(changed(defaultPackages, previous.defaultPackages), others);
        }
    }
}
