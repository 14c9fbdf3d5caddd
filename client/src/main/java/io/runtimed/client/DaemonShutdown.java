package io.runtimed.client;

import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.DaemonInfoFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Stops the daemon on the default socket the way that loses nothing: a shutdown request (the daemon
 * writes every room and the settings before it exits, DAEMON.md §6), then waiting until the process
 * itself has ended, so that a successor can take the lock at once.
 */
public final class DaemonShutdown {
    public static final Duration GONE_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration PING_TIMEOUT = Duration.ofMillis(500);
    private static final Duration EXIT_POLL = Duration.ofMillis(25);

    private DaemonShutdown() {
    }

    /** True if a daemon answers ping on the default socket. */
    public static boolean answers(RuntPaths paths) {
        try {
            new PoolClient(paths.defaultSocket(), PING_TIMEOUT, PING_TIMEOUT).ping();
            return true;
        } catch (DaemonClientException e) {
            return false;
        }
    }

    /**
     * Asks a running daemon to shut down and waits for its process to exit. Nothing answering is
     * success: there is nothing to stop.
     *
     * @throws DaemonClientException if the request fails or the process is still there after the timeout
     */
    public static void stopAndWait(RuntPaths paths, Duration timeout) throws DaemonClientException {
        if (!answers(paths)) {
            return;
        }
        Optional<Long> pid = new DaemonInfoFile(paths.infoFile()).read().map(DaemonInfo::pid);
        try {
            new PoolClient(paths.defaultSocket(), PING_TIMEOUT, timeout).shutdown();
        } catch (DaemonClientException e) {
            if (!answers(paths)) {
                return; // it went away by itself meanwhile
            }
            throw e;
        }
        if (pid.isPresent() && !awaitExit(pid.get(), timeout)) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL,
                    "the daemon (pid " + pid.get() + ") did not exit within " + timeout.toSeconds() + " s");
        }
    }

    /** Waits for process {@code pid} to end; true if it has. */
    public static boolean awaitExit(long pid, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning(pid)) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            try {
                Thread.sleep(EXIT_POLL.toMillis()); // another process's end: nothing to wait on but time
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * True while process {@code pid} runs. An exited process that its parent has not reaped yet (a
     * zombie) has released its lock and files and does not count: a detached daemon's parent is
     * init, and in a container init may reap only every few seconds.
     */
    public static boolean isRunning(long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        return handle.isPresent() && handle.get().isAlive() && !isZombie(pid);
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
