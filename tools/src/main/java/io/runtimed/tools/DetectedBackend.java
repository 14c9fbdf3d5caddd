package io.runtimed.tools;

import io.runtimed.protocol.EnvType;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What would build one pool on this machine (POOL.md §5–§6): uv, {@code python -m venv} with an
 * interpreter, or a conda-family tool; or, when none was found or the one named does not run, why
 * not. The daemon's pool turns it into a backend; {@code runtimed doctor} reports it.
 */
public record DetectedBackend(EnvType type, Kind kind, Path tool, String unavailableReason) {
    /** How the pool builds, and how status names it. */
    public enum Kind {
        UV, VENV, CONDA, UNAVAILABLE;

        /** The status text of a pool built this way with {@code tool}: e.g. "uv (/usr/bin/uv)". */
        public String describe(Path tool) {
            switch (this) {
                case UV: return "uv (" + tool + ")";
                case VENV: return "venv + pip (" + tool + ")";
                case CONDA: return tool.getFileName() + " (" + tool + ")";
                default: return "none";
            }
        }
    }

    public DetectedBackend {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(kind, "kind");
        boolean unavailable = kind == Kind.UNAVAILABLE;
        if (unavailable ? tool != null || unavailableReason == null : tool == null || unavailableReason != null) {
            throw new IllegalArgumentException("an available backend has a tool, an unavailable one a reason: " + kind);
        }
    }

    public static DetectedBackend found(EnvType type, Kind kind, Path tool) {
        return new DetectedBackend(type, kind, tool, null);
    }

    public static DetectedBackend unavailable(EnvType type, String reason) {
        return new DetectedBackend(type, Kind.UNAVAILABLE, null, reason);
    }

    public String describe() {
        return kind.describe(tool);
    }

    /** Why this pool cannot build here, or empty when it can. */
    public Optional<String> whyUnavailable() {
        return Optional.ofNullable(unavailableReason);
    }
}
