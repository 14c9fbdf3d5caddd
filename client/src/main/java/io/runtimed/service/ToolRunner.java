package io.runtimed.service;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
        Process p;
        try {
            p = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File(File.separatorChar == '\\' ? "NUL" : "/dev/null")))
                    .start();
        } catch (IOException e) {
            throw ServiceException.unavailable(command.get(0) + " is not available: " + e.getMessage(), e);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        try {
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new ServiceException(String.join(" ", command) + " did not finish within "
                        + TIMEOUT.toSeconds() + " s");
            }
            return new Result(List.copyOf(command), p.exitValue(), out.get(), err.get());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ServiceException("interrupted while running " + String.join(" ", command), e);
        } catch (ExecutionException e) {
            throw new ServiceException("cannot read the output of " + String.join(" ", command), e.getCause());
        }
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
