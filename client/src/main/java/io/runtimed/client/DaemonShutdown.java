package io.runtimed.client;

import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.DaemonInfoFile;
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
    private static final Duration POLL = Duration.ofMillis(25);

    private DaemonShutdown() {
    }

    /**
     * Asks a running daemon to shut down and waits for its process to exit. Nothing answering is
     * success: there is nothing to stop.
     *
     * @throws DaemonClientException if the request fails or the daemon is still there after the timeout
     */
    public static void stopAndWait(RuntPaths paths, Duration timeout) throws DaemonClientException {
        if (!DaemonReadiness.answers(paths)) {
            return;
        }
        Optional<Long> pid = new DaemonInfoFile(paths.infoFile()).read().map(DaemonInfo::pid);
        try {
            new PoolClient(paths.defaultSocket(), PING_TIMEOUT, timeout).shutdown();
        } catch (DaemonClientException e) {
            if (!DaemonReadiness.answers(paths)) {
                return; // it went away by itself meanwhile
            }
            throw e;
        }
        boolean gone = pid.isPresent() ? ProcessLiveness.awaitExit(pid.get(), timeout) : stopsAnswering(paths, timeout);
        if (!gone) {
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, "the daemon"
                    + pid.map(p -> " (pid " + p + ")").orElse("") + " did not exit within " + timeout.toSeconds() + " s");
        }
    }

    /** Without daemon.json (a daemon still starting) the socket going quiet is all there is to see. */
    private static boolean stopsAnswering(RuntPaths paths, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (DaemonReadiness.answers(paths)) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            try {
                Thread.sleep(POLL.toMillis()); // another process's socket: nothing to wait on but time
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
