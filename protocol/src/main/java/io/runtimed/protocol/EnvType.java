package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Optional;

/** PROTOCOL.md §4.3: exactly "uv" or "conda", lowercase and case-sensitive on the wire. */
public enum EnvType {
    UV("uv"),
    CONDA("conda");

    private final String wireName;

    EnvType(String wireName) {
        this.wireName = wireName;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }

    /** Case-insensitive lookup for command lines (the wire itself is case-sensitive). */
    public static Optional<EnvType> parseLenient(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        for (EnvType t : values()) {
            if (t.wireName.equals(lower)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return wireName;
    }
}
