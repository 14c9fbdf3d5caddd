package io.runtimed.tools;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the build tools (uv, pip, conda, python) with a timeout. A child that outlives its timeout,
 * or whose build is interrupted by shutdown, is killed with all its descendants (the original left
 * them running). The last lines of its output are kept for the error message.
 */
public final class ProcessRunner {
    private static final int TAIL_LINES = 12;

    /**
     * Builds run at a lower CPU priority: they are background work, and must not slow the daemon's
     * answers or the notebook windows on a 2-core machine.
     */
    private static final Path NICE = java.util.stream.Stream.of("/usr/bin/nice", "/bin/nice")
            .map(Path::of).filter(java.nio.file.Files::isExecutable).findFirst().orElse(null);

    private final Map<String, String> extraEnv;

    public ProcessRunner(Map<String, String> extraEnv) {
        this.extraEnv = Map.copyOf(extraEnv);
    }

    /** The outcome of a finished command. */
    public record Result(int exitCode, String outputTail) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /**
     * Runs {@code command} to its end or until {@code timeout}; a timeout is an
     * {@link StepFailedException} naming the step, a failure to start one naming the program.
     */
    public Result run(String step, List<String> command, Path workDir, Duration timeout)
            throws StepFailedException, InterruptedException {
        Path program = Path.of(command.get(0));
        if (program.isAbsolute() && !java.nio.file.Files.isExecutable(program)) {
            throw new StepFailedException(step + ": cannot run " + program + ": no executable file there");
        }
        List<String> argv = command;
        if (NICE != null) {
            argv = new java.util.ArrayList<>(List.of(NICE.toString(), "-n", "10"));
            argv.addAll(command);
        }
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        pb.environment().putAll(extraEnv);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new StepFailedException(step + ": cannot run " + command.get(0) + ": " + e.getMessage());
        }
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // the child reads no input
        }
        Deque<String> tail = new ArrayDeque<>();
        Thread reader = new Thread(() -> drain(p.getInputStream(), tail), Thread.currentThread().getName() + "-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p);
                throw new StepFailedException(step + ": timed out after " + timeout.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            kill(p);
            throw e;
        }
        reader.join(2000);
        String text;
        synchronized (tail) {
            text = String.join("\n", tail);
        }
        if (NICE != null && p.exitValue() == 127 && text.startsWith("nice:")) {
            throw new StepFailedException(step + ": cannot run " + command.get(0) + ": " + text);
        }
        return new Result(p.exitValue(), text);
    }

    /** Runs and insists on exit status 0. */
    public void runOk(String step, List<String> command, Path workDir, Duration timeout)
            throws StepFailedException, InterruptedException {
        Result r = run(step, command, workDir, timeout);
        if (!r.ok()) {
            throw new StepFailedException(step + " failed (exit " + r.exitCode() + ")"
                    + (r.outputTail().isBlank() ? "" : ": " + lastLine(r.outputTail())), r.outputTail());
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void drain(InputStream in, Deque<String> tail) {
        try (in) {
            StringBuilder line = new StringBuilder();
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                String chunk = new String(buf, 0, n, StandardCharsets.UTF_8);
                for (char c : chunk.toCharArray()) {
                    if (c == '\n') {
                        add(tail, line.toString());
                        line.setLength(0);
                    } else if (line.length() < 500) {
                        line.append(c);
                    }
                }
            }
            if (line.length() > 0) {
                add(tail, line.toString());
            }
        } catch (IOException ignored) {
            // the process ended or was killed
        }
    }

    private static void add(Deque<String> tail, String line) {
        if (line.isBlank()) {
            return;
        }
        synchronized (tail) {
            tail.addLast(line);
            while (tail.size() > TAIL_LINES) {
                tail.removeFirst();
            }
        }
    }
}
