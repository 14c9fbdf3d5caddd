package io.runtimed.service;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a service manager's command line (systemctl, launchctl, taskkill) and collects what it said. */
public final class ToolRunner {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** A finished command. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** stderr if it said anything, else stdout: what the tool wants the user to read. */
        public String message() {
            String s = stderr.strip();
            return s.isEmpty() ? stdout.strip() : s;
        }
    }

    /**
     * Runs {@code command}; a program that cannot be started at all (not installed, not on PATH)
     * is a {@link ServiceException#managerUnavailable()} failure.
     */
    public Result run(List<String> command) throws ServiceException {
        Path out = null;
        Path err = null;
        try {
            // files, not pipes: no reader threads, and a chatty tool can never block on a full pipe
            out = Files.createTempFile("runtimed-tool", ".out");
            err = Files.createTempFile("runtimed-tool", ".err");
            Process p;
            try {
                p = new ProcessBuilder(command)
                        .redirectInput(ProcessBuilder.Redirect.from(new File(File.separatorChar == '\\' ? "NUL" : "/dev/null")))
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .start();
            } catch (IOException e) {
                throw ServiceException.unavailable(command.get(0) + " is not available: " + e.getMessage(), e);
            }
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new ServiceException(String.join(" ", command) + " did not finish within "
                        + TIMEOUT.toSeconds() + " s");
            }
            return new Result(List.copyOf(command), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ServiceException("IO error: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceException("interrupted while running " + String.join(" ", command), e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a leftover temp file is harmless
            }
        }
    }
}
