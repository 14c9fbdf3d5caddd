package io.runtimed.sync.settings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * settings.schema.json (SETTINGS.md §6): a JSON Schema (draft 2020-12, title SyncedSettings) of
 * the §2 snapshot, for editors only. Kept as a resource so that its text is reviewed as JSON.
 */
public final class SettingsSchema {
    private static final String RESOURCE = "settings.schema.json";

    private SettingsSchema() {
    }

    /** The schema file's exact text, ending with one newline. */
    public static String text() {
        try (InputStream in = SettingsSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the build");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            return text + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
