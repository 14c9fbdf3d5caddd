package io.runtimed.client;

import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.DaemonInfoFile;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Stops the daemon on the default socket the way that loses nothing: a shutdown request (the daemon
 * writes every room and the settings before it exits, DAEMON.md §6), then waiting until the process
 * itself has ended, so that a successor can take the lock at once.
 */
public final class DaemonShutdown {
    public static final Duration GONE_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration PING_TIMEOUT = Duration.ofMillis(500);

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

    /** Waits for process {@code pid} to end; true if it is gone. */
    public static boolean awaitExit(long pid, Duration timeout) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty()) {
            return true;
        }
        try {
            handle.get().onExit().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
            return true;
        } catch (CompletionException e) {
            return !handle.get().isAlive();
        }
    }
}
