package io.runtimed.client;

import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.DaemonInfoFile;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * "A daemon runs" as DAEMON.md §8–9 define it: the default socket answers ping and daemon.json
 * parses. Launchers and the start command wait for it after starting one.
 */
public final class DaemonReadiness {
    private static final Duration PING_TIMEOUT = Duration.ofMillis(500);
    private static final Duration POLL = Duration.ofMillis(25);

    private DaemonReadiness() {
    }

    /** True if a ping on the default socket gets pong. */
    public static boolean answers(RuntPaths paths) {
        try {
            new PoolClient(paths.defaultSocket(), PING_TIMEOUT, PING_TIMEOUT).ping();
            return true;
        } catch (DaemonClientException e) {
            return false;
        }
    }

    /** The info of a daemon that answers ping on the default socket and has written daemon.json. */
    public static Optional<DaemonInfo> running(RuntPaths paths) {
        return answers(paths) ? new DaemonInfoFile(paths.infoFile()).read() : Optional.empty();
    }

    /**
     * Polls until a running daemon that {@code accept}s is there.
     *
     * @throws DaemonClientException "Daemon did not become ready within timeout" when none is in time
     */
    public static DaemonInfo await(RuntPaths paths, Duration timeout, Predicate<DaemonInfo> accept)
            throws DaemonClientException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<DaemonInfo> info = running(paths);
            if (info.isPresent() && accept.test(info.get())) {
                return info.get();
            }
            if (System.nanoTime() >= deadline) {
                break;
            }
            try {
                Thread.sleep(POLL.toMillis()); // another process's socket: nothing to wait on but time
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new DaemonClientException(DaemonClientException.Kind.NOT_REACHABLE,
                "Daemon did not become ready within timeout (see " + paths.logFile() + ")");
    }
}
