package io.runtimed.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs {@code runt} and {@code runtimed} as subprocesses in a {@link RuntHome}, with a timeout. */
public final class Cli {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private Cli() {
    }

    /** What a finished command printed and returned. */
    public record Result(List<String> command, int exitCode, byte[] stdoutBytes, String stderr) {
        public String stdout() {
            return new String(stdoutBytes, StandardCharsets.UTF_8);
        }

        public List<String> stdoutLines() {
            return stdout().lines().toList();
        }

        public List<String> stderrLines() {
            return stderr().lines().toList();
        }

        @Override
        public String toString() {
            return String.join(" ", command) + "\nexit " + exitCode + "\n--- stdout\n" + stdout() + "--- stderr\n" + stderr();
        }
    }

    public static Result runt(RuntHome home, String... args) {
        return run(home, Map.of(), JavaProcess.RUNT_MAIN, List.of(args));
    }

    public static Result runtimed(RuntHome home, String... args) {
        return run(home, Map.of(), JavaProcess.RUNTIMED_MAIN, List.of(args));
    }

    /**
     * Starts {@code runt args} in {@code home} without waiting, for commands that run until something
     * happens ({@code runt settings watch}): read its stdout from {@link Process#getInputStream()};
     * stderr goes to a file in the home's root. The caller ends it, and {@link RuntHome#close()}
     * kills one it forgot.
     */
    public static Process startRunt(RuntHome home, String... args) {
        List<String> command = JavaProcess.command(JavaProcess.RUNT_MAIN, List.of(args));
        Path err = home.root().resolve("cli-" + COUNTER.incrementAndGet() + ".err");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(home.root().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(err.toFile());
        pb.environment().clear();
        pb.environment().putAll(home.childEnv(Map.of()));
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start runt " + String.join(" ", args), e);
        }
    }

    /** Runs {@code mainClass} with {@code args}; the process is killed and the test fails after 30 s. */
    public static Result run(RuntHome home, Map<String, String> extraEnv, String mainClass, List<String> args) {
        List<String> shown = new ArrayList<>();
        shown.add(mainClass.endsWith("RuntMain") ? "runt" : mainClass.endsWith("RuntimedMain") ? "runtimed" : mainClass);
        shown.addAll(args);
        return run(home, extraEnv, home.root(), JavaProcess.command(mainClass, args), shown, TIMEOUT);
    }

    /**
     * Runs any command in {@code home}'s environment (plus {@code extraEnv}) from {@code workDir}; the
     * process is killed and the test fails after {@code timeout}. {@code shown} names it in results.
     */
    public static Result run(RuntHome home, Map<String, String> extraEnv, Path workDir, List<String> command,
                             List<String> shown, Duration timeout) {
        int n = COUNTER.incrementAndGet();
        Path out = home.root().resolve("cli-" + n + ".out");
        Path err = home.root().resolve("cli-" + n + ".err");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().clear();
        pb.environment().putAll(home.childEnv(extraEnv));
        try {
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", shown) + " did not finish within " + timeout.toSeconds()
                        + " s\nstdout:\n" + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
            }
            return new Result(shown, p.exitValue(), Files.readAllBytes(out),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", shown), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
