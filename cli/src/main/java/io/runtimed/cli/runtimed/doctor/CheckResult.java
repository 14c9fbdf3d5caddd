package io.runtimed.cli.runtimed.doctor;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/**
 * One line of {@code runtimed doctor}: which check, how it went, what it found and, for anything
 * but a pass, what to do about it. Serialised as it is for {@code --json}.
 */
@JsonPropertyOrder({"check", "status", "message", "fix"})
public record CheckResult(String check, Status status, String message,
                          @JsonInclude(JsonInclude.Include.NON_NULL) String fix) {

    /** How a check went; only {@link #FAIL} makes the command exit 1. */
    public enum Status {
        OK("ok"),
        /** Works, but something optional is missing or something looks off. */
        WARN("WARN"),
        FAIL("FAIL"),
        /** Not checked because what it checks cannot exist now (e.g. no daemon runs); another line says why. */
        SKIP("skip");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        /** The tag at the start of a line: upper case for what needs attention. */
        public String label() {
            return label;
        }

        @JsonValue
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public CheckResult {
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(message, "message");
    }

    public static CheckResult ok(String check, String message) {
        return new CheckResult(check, Status.OK, message, null);
    }

    public static CheckResult skip(String check, String message) {
        return new CheckResult(check, Status.SKIP, message, null);
    }

    public static CheckResult warn(String check, String message, String fix) {
        return new CheckResult(check, Status.WARN, message, Objects.requireNonNull(fix, "fix"));
    }

    public static CheckResult fail(String check, String message, String fix) {
        return new CheckResult(check, Status.FAIL, message, Objects.requireNonNull(fix, "fix"));
    }

    @JsonIgnore
    public boolean failed() {
        return status == Status.FAIL;
    }

    /** {@code [ok]   socket: …} or {@code [FAIL] socket: … — fix: …}; the tags line up. */
    public String line() {
        String tag = String.format("%-6s", "[" + status.label() + "]");
        return tag + " " + check + ": " + message + (fix == null ? "" : " — fix: " + fix);
    }
}
