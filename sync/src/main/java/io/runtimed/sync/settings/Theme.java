package io.runtimed.sync.settings;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Optional;

/** SETTINGS.md §2: {@code theme} is exactly one of these (case-sensitive); anything else reads as system. */
public enum Theme {
    SYSTEM("system"),
    LIGHT("light"),
    DARK("dark");

    private final String value;

    Theme(String value) {
        this.value = value;
    }

    @JsonValue
    public String value() {
        return value;
    }

    /** The §2 reading rule: exact match only. */
    public static Optional<Theme> parse(String text) {
        for (Theme t : values()) {
            if (t.value.equals(text)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return value;
    }
}
