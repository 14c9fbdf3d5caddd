package io.runtimed.runtimes;

import io.runtimed.tools.ProcessRunner;
import io.runtimed.tools.StepFailedException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@code <program> --version} and reads the version from what it prints. A program that exits
 * non-zero, cannot be started or outlives the timeout is found but not usable, with the reason.
 */
final class VersionProbe {
    /**
     * The first version-looking token: "Python 3.11.7", "deno 2.1.4 (stable, …)", "uv 0.5.11 (…)",
     * micromamba's bare "2.0.5", "conda 24.11.0", mamba's "mamba 1.5.8" above "conda 24.3.0".
     */
    private static final Pattern VERSION = Pattern.compile("(?<![\\w.])v?(\\d+\\.\\d+(?:\\.\\d+)*(?:[A-Za-z]+\\d*)?)");

    /** How a program that ran and refused is reported: "python3 --version failed (exit 127)…". */
    private static final String FAILED_WITH_EXIT = " failed (exit ";

    private final ProcessRunner runner;
    private final Duration timeout;

    VersionProbe(ProcessRunner runner, Duration timeout) {
        this.runner = runner;
        this.timeout = timeout;
    }

    /** What {@code program} (found as {@code name}) says about itself. */
    DetectedTool probe(String name, Path program) throws InterruptedException {
        String step = name + " --version";
        ProcessRunner.Result r;
        try {
            r = runner.run(step, List.of(program.toString(), "--version"), null, timeout);
        } catch (StepFailedException e) {
            return new DetectedTool(name, program.toString(), null, false, e.getMessage());
        }
        if (!r.ok()) {
            String why = errorLine(r.outputTail());
            return new DetectedTool(name, program.toString(), null, false,
                    step + FAILED_WITH_EXIT + r.exitCode() + ")" + (why.isEmpty() ? "" : ": " + why));
        }
        return new DetectedTool(name, program.toString(), versionIn(r.outputTail()).orElse(null), true, null);
    }

    /** Whether the program itself answered: usable, or ran and exited non-zero (not a timeout, not unstartable). */
    static boolean answered(DetectedTool t) {
        return t.usable() || (t.problem() != null && t.problem().contains("--version" + FAILED_WITH_EXIT));
    }

    /** The first version-looking token of {@code output}. */
    static Optional<String> versionIn(String output) {
        Matcher m = VERSION.matcher(output);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * The line that says what went wrong: the first ("pyenv: python3.12: command not found", followed
     * by advice), except for a Python traceback, whose error is its last line (the runner keeps only
     * the last lines, so the "Traceback" header itself may be gone; its frames are not).
     */
    static String errorLine(String output) {
        List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) {
            return "";
        }
        boolean traceback = lines.stream().anyMatch(l -> l.startsWith("Traceback") || l.startsWith("  File \""));
        return (traceback ? lines.get(lines.size() - 1) : lines.get(0)).strip();
    }
}
