package io.runtimed.sync.settings;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Optional;

/**
 * SETTINGS.md §2: {@code default_runtime}, read case-insensitively with the reference's aliases.
 *
 * <p>Its JSON form is the lowercase name both ways. Reading JSON stays exact on purpose (no lenient
 * creator): §2 says the settings.json body's "enum strings are lowercase exact", while the lenient
 * reading with aliases is for the document's value ({@link #fromSetting}).
 */
public enum NotebookRuntime {
    PYTHON("python"),
    DENO("deno");

    private final String value;

    NotebookRuntime(String value) {
        this.value = value;
    }

    @JsonValue
    public String value() {
        return value;
    }

    /** {@code python}/{@code py} and {@code deno}/{@code typescript}/{@code ts}, any case. */
    public static Optional<NotebookRuntime> parse(String text) {
        switch (text.toLowerCase(Locale.ROOT)) {
            case "python":
            case "py":
                return Optional.of(PYTHON);
            case "deno":
            case "typescript":
            case "ts":
                return Optional.of(DENO);
            default:
                return Optional.empty();
        }
    }

    /** SETTINGS.md §2: the document's value with its aliases, any case; absent or unknown reads as python. */
    public static NotebookRuntime fromSetting(String text) {
        return text == null ? PYTHON : parse(text).orElse(PYTHON);
    }

    @Override
    public String toString() {
        return value;
    }
}
