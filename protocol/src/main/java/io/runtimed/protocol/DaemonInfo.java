package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * DAEMON.md §4: the contents of daemon.json, by which clients find the daemon and its blob port.
 * {@code blobPort} is null when the HTTP server did not start, and then omitted from the JSON.
 */
@JsonPropertyOrder({"endpoint", "pid", "version", "started_at", "blob_port"})
public record DaemonInfo(
        String endpoint,
        long pid,
        String version,
        @JsonIgnore Instant startedAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) Integer blobPort) {

    public DaemonInfo {
        Objects.requireNonNull(endpoint, "endpoint is required");
        Objects.requireNonNull(version, "version is required");
        Objects.requireNonNull(startedAt, "started_at is required");
    }

    @JsonCreator
    static DaemonInfo fromJson(
            @JsonProperty(value = "endpoint", required = true) String endpoint,
            @JsonProperty(value = "pid", required = true) long pid,
            @JsonProperty(value = "version", required = true) String version,
            @JsonProperty(value = "started_at", required = true) String startedAt,
            @JsonProperty("blob_port") Integer blobPort) {
        return new DaemonInfo(endpoint, pid, version, parseRfc3339(startedAt), blobPort);
    }

    /** RFC 3339 in UTC with 0, 3, 6 or 9 fraction digits, the shortest exact one (Instant's own form). */
    @JsonProperty("started_at")
    public String startedAtText() {
        return startedAt.toString();
    }

    @JsonIgnore
    public OptionalInt blobPortIfRunning() {
        return blobPort == null ? OptionalInt.empty() : OptionalInt.of(blobPort);
    }

    /** "2025-02-23 12:00:00.123456789 UTC", as the reference's status output prints times. */
    @JsonIgnore
    public String startedAtHuman() {
        String iso = startedAt.toString(); // 2025-02-23T12:00:00.123456789Z
        return iso.substring(0, iso.length() - 1).replace('T', ' ') + " UTC";
    }

    /** The reference's Rust debug dump, used in the "already running" message (DAEMON.md §3). */
    @JsonIgnore
    public String debugString() {
        return "DaemonInfo { endpoint: " + quoted(endpoint) + ", pid: " + pid + ", version: " + quoted(version)
                + ", started_at: " + startedAt + ", blob_port: "
                + (blobPort == null ? "None" : "Some(" + blobPort + ")") + " }";
    }

    /** Placeholder when daemon.json cannot be read while the lock is held (DAEMON.md §3). */
    public static DaemonInfo unknown() {
        return new DaemonInfo("unknown", 0, "unknown", Instant.now(), null);
    }

    static Instant parseRfc3339(String text) {
        try {
            return OffsetDateTime.parse(text.replace(' ', 'T').replace('t', 'T').replace('z', 'Z'),
                    DateTimeFormatter.ISO_OFFSET_DATE_TIME).withOffsetSameInstant(ZoneOffset.UTC).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("started_at is not an RFC 3339 timestamp: " + text, e);
        }
    }

    /** Rust's {@code {:?}} of a string: quotes, and escapes for backslash, quote and control characters. */
    private static String quoted(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\': b.append("\\\\"); break;
                case '"': b.append("\\\""); break;
                case '\n': b.append("\\n"); break;
                case '\t': b.append("\\t"); break;
                case '\r': b.append("\\r"); break;
                default:
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\u{%x}", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        return b.append('"').toString();
    }
}
