package io.runtimed.runtimes;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One program looked for on this machine: where it is, the version it reports, and whether it can be
 * used. {@code path} and {@code version} are null when not known (not found; no version printed);
 * {@code problem} says why an entry is not usable ("not found", a failed or hung {@code --version}).
 */
@JsonPropertyOrder({"name", "path", "version", "usable", "problem"})
public record DetectedTool(String name, String path, String version, boolean usable, String problem) {
    static final String NOT_FOUND = "not found";

    static DetectedTool notFound(String name) {
        return new DetectedTool(name, null, null, false, NOT_FOUND);
    }

    /** Found, whether or not it runs. */
    public boolean found() {
        return path != null;
    }
}
