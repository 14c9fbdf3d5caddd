package io.runtimed.pool;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * KERNELS.md §11.2: the package a failed uv install names, read from its output with the reference's
 * patterns (``package `x` ``, {@code package 'x'}, {@code because x was not found},
 * {@code no matching distribution found for x}, ``failed to download `x` ``), case-insensitively,
 * first match in the text wins. ipykernel and ipywidgets are never the answer: every build installs
 * them, and a failure that names them says nothing about the user's packages.
 */
public final class FailedPackage {
    private static final Pattern PATTERNS = Pattern.compile(
            "package `([^`\\s]+)`"
                    + "|package '([^'\\s]+)'"
                    + "|because (\\S+) was not found"
                    + "|no matching distribution found for (\\S+)"
                    + "|failed to download `([^`\\s]+)`",
            Pattern.CASE_INSENSITIVE);
    private static final Set<String> ALWAYS_INSTALLED = Set.of("ipykernel", "ipywidgets");

    private FailedPackage() {
    }

    public static Optional<String> in(String output) {
        if (output == null || output.isEmpty()) {
            return Optional.empty();
        }
        Matcher m = PATTERNS.matcher(output);
        while (m.find()) {
            for (int g = 1; g <= m.groupCount(); g++) {
                String name = m.group(g);
                if (name != null && !ALWAYS_INSTALLED.contains(name.toLowerCase(Locale.ROOT))) {
                    return Optional.of(name);
                }
            }
        }
        return Optional.empty();
    }
}
