package io.runtimed.cli.runtimed.doctor;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.PoolClient;
import io.runtimed.client.ProcessLiveness;
import io.runtimed.daemon.DaemonLock;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.DaemonInfoFile;
import io.runtimed.protocol.PoolStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the doctor learns about the daemon once, before any check reports: whether the default
 * socket answers, what daemon.json says and whether its pid is a live daemon, and whether anyone
 * holds the singleton lock. The daemon checks judge these facts from their own angle.
 */
record DaemonFacts(
        RuntPaths paths,
        Optional<String> pingError,
        boolean infoFileExists,
        Optional<DaemonInfo> info,
        PidState pid,
        boolean endpointAnswers,
        Lock lock,
        Optional<PoolStats> stats) {

    /** Short enough that a hung daemon costs the doctor seconds, not the client's 30 s. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(3);

    /** What daemon.json's pid is now. */
    enum PidState {
        /** No daemon.json, or it does not parse. */
        UNKNOWN,
        /** Alive and (as far as the OS tells) a runtimed process. */
        DAEMON,
        /** Alive, but its command line does not mention runtimed: the pid was reused. */
        OTHER_PROGRAM,
        DEAD
    }

    /** DAEMON.md §3: the state of daemon.lock. */
    /** @param holder the holding process, when the system can tell (Linux /proc/locks) */
    record Lock(LockState state, String detail, OptionalLong holder) {
        Lock(LockState state, String detail) {
            this(state, detail, OptionalLong.empty());
        }
    }

    enum LockState { HELD, FREE, NO_LOCK_FILE, UNTESTABLE }

    static DaemonFacts gather(RuntPaths paths) {
        Path socket = paths.defaultSocket();
        Optional<String> pingError = ping(socket);
        Path infoFile = paths.infoFile();
        Optional<DaemonInfo> info = new DaemonInfoFile(infoFile).read();
        PidState pid = info.map(i -> pidState(i.pid())).orElse(PidState.UNKNOWN);
        // a daemon started with --socket elsewhere still writes daemon.json here (DAEMON.md §2)
        boolean endpointAnswers = pingError.isPresent() && info.isPresent()
                && !Path.of(info.get().endpoint()).equals(socket) && ping(Path.of(info.get().endpoint())).isEmpty();
        Optional<PoolStats> stats = Optional.empty();
        if (pingError.isEmpty()) {
            try {
                stats = Optional.of(client(socket).status());
            } catch (DaemonClientException e) {
                // the pool lines fall back to what this machine offers
            }
        }
        return new DaemonFacts(paths, pingError, Files.exists(infoFile), info, pid, endpointAnswers,
                probeLock(paths.lockFile()), stats);
    }

    boolean answers() {
        return pingError.isEmpty();
    }

    /** The pid of a daemon that is alive, from daemon.json. */
    Optional<Long> liveDaemonPid() {
        return pid == PidState.DAEMON ? info.map(DaemonInfo::pid) : Optional.empty();
    }

    private static PoolClient client(Path socket) {
        return new PoolClient(socket, CONNECT_TIMEOUT, READ_TIMEOUT);
    }

    private static Optional<String> ping(Path socket) {
        try {
            client(socket).ping();
            return Optional.empty();
        } catch (DaemonClientException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static PidState pidState(long pid) {
        if (pid <= 0) {
            return PidState.DEAD;
        }
        // an exited daemon that init has not reaped yet (a zombie) is dead too
        Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(p -> ProcessLiveness.isRunning(pid));
        if (handle.isEmpty()) {
            return PidState.DEAD;
        }
        // a pid is reused after its process ends; a command line we can read and that does not name
        // runtimed (the Rust binary, or our launcher and main class) belongs to someone else
        Optional<String> commandLine = handle.get().info().commandLine();
        if (commandLine.isPresent() && !commandLine.get().toLowerCase(Locale.ROOT).contains("runtimed")) {
            return PidState.OTHER_PROGRAM;
        }
        return PidState.DAEMON;
    }

    /** The command line of {@code pid}, for messages, or "another program". */
    static String commandOf(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().command()).orElse("another program");
    }

    /**
     * Whether anyone holds daemon.lock, and who. Where /proc/locks tells (Linux) the lock is not
     * touched. Elsewhere a free lock is taken and released at once, never kept: a daemon that starts
     * in that instant is refused as "already running". A missing lock file is not created.
     */
    private static Lock probeLock(Path lockFile) {
        if (!Files.exists(lockFile)) {
            return new Lock(LockState.NO_LOCK_FILE, "the file does not exist");
        }
        // anything but a regular file cannot be locked at all: let the probe below say why
        Optional<OptionalLong> holder = Files.isRegularFile(lockFile) ? LockHolders.flockHolder(lockFile) : Optional.empty();
        if (holder.isPresent()) {
            return holder.get().isPresent() ? new Lock(LockState.HELD, "", holder.get()) : new Lock(LockState.FREE, "");
        }
        try {
            Optional<DaemonLock> lock = DaemonLock.tryAcquire(lockFile);
            if (lock.isEmpty()) {
                return new Lock(LockState.HELD, "");
            }
            lock.get().close();
            return new Lock(LockState.FREE, "");
        } catch (IOException e) {
            return new Lock(LockState.UNTESTABLE, e.getMessage());
        }
    }
}
