package io.runtimed.runtimes;

import io.runtimed.pool.EnvBuildException;
import io.runtimed.pool.ProcessRunner;
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
        } catch (EnvBuildException e) {
            return new DetectedTool(name, program.toString(), null, false, e.getMessage());
        }
        if (!r.ok()) {
            String last = lastLine(r.outputTail());
            return new DetectedTool(name, program.toString(), null, false,
                    step + " failed (exit " + r.exitCode() + ")" + (last.isEmpty() ? "" : ": " + last));
        }
        return new DetectedTool(name, program.toString(), versionIn(r.outputTail()).orElse(null), true, null);
    }

    /** The first version-looking token of {@code output}. */
    static Optional<String> versionIn(String output) {
        Matcher m = VERSION.matcher(output);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1].strip();
    }
}
