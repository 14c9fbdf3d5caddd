package io.runtimed.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Whether another process (a daemon, by its pid from daemon.json) still runs. An exited process
 * that its parent has not reaped yet (a zombie) has released its lock and files and does not count:
 * a detached daemon's parent is init, and in a container init may reap only every few seconds.
 */
public final class ProcessLiveness {
    private static final Duration POLL = Duration.ofMillis(25);

    private ProcessLiveness() {
    }

    public static boolean isRunning(long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        return handle.isPresent() && handle.get().isAlive() && !isZombie(pid);
    }

    /** Waits for process {@code pid} to end; true if it has. */
    public static boolean awaitExit(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning(pid)) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            try {
                Thread.sleep(POLL.toMillis()); // another process's end: nothing to wait on but time
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private static boolean isZombie(long pid) {
        try {
            // /proc/<pid>/stat: "pid (comm) S ..."; comm may hold spaces and parentheses, the state follows the last ')'
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int close = stat.lastIndexOf(')');
            return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z';
        } catch (IOException | RuntimeException e) {
            return false; // no /proc (macOS, Windows): isAlive alone decides
        }
    }
}
