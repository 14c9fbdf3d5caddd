package io.runtimed.rooms.settings;

import io.runtimed.paths.RuntPaths;
import java.nio.file.Path;

/**
 * Where the settings live (DAEMON.md §2, SETTINGS.md §6).
 *
 * @param automerge    {@code <cache>/runt/settings.automerge}: the document, a full Automerge save
 * @param settingsJson {@code <config>/runt-notebook/settings.json}: the JSON mirror users may edit
 * @param schema       {@code <config>/runt-notebook/settings.schema.json}: for editors
 * @param seen         {@code <cache>/runt/settings-json.seen}: the versions of settings.json the
 *                     daemon accounted for (ours, internal; see {@link SettingsMirror})
 */
public record SettingsPaths(Path automerge, Path settingsJson, Path schema, Path seen) {

    /** The standard names under the daemon's {@code runtDir} and the user's {@code settingsDir}. */
    public static SettingsPaths of(Path runtDir, Path settingsDir) {
        return new SettingsPaths(runtDir.resolve(RuntPaths.SETTINGS_DOC), settingsDir.resolve(RuntPaths.SETTINGS_JSON),
                settingsDir.resolve(RuntPaths.SETTINGS_SCHEMA), runtDir.resolve(RuntPaths.SETTINGS_SEEN));
    }

    /** Where a settings.automerge that does not decode is kept for inspection. */
    public Path corruptAutomerge() {
        return automerge.resolveSibling(automerge.getFileName() + ".corrupt");
    }
}
