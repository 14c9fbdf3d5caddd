package io.runtimed.cli.runtimed.doctor;

import io.runtimed.protocol.DaemonInfo;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Does the default socket answer a ping? Clients look only there (DAEMON.md §8), so a daemon on
 * another socket counts as a failure too. When it does not answer, the fix depends on why: nothing
 * runs, the daemon is hung, or it listens elsewhere.
 */
final class SocketCheck implements Check {
    static final String NAME = "socket";

    private final DaemonFacts facts;

    SocketCheck(DaemonFacts facts) {
        this.facts = facts;
    }

    @Override
    public CheckResult run() {
        Path socket = facts.paths().defaultSocket();
        if (facts.answers()) {
            String who = facts.info().map(i -> " (runtimed " + i.version() + ", pid " + i.pid() + ")")
                    .orElse(" (no daemon.json)");
            return CheckResult.ok(NAME, socket + " answers ping" + who);
        }
        String silent = Files.exists(socket) ? socket + " does not answer ping: " + facts.pingError().orElseThrow()
                : "no socket at " + socket;
        if (facts.endpointAnswers()) {
            DaemonInfo info = facts.info().orElseThrow();
            return CheckResult.fail(NAME, silent + "; the daemon (pid " + info.pid() + ") listens on "
                            + info.endpoint() + " instead, where clients do not look",
                    "stop it (kill " + info.pid() + ") and start it without --socket: 'runtimed start' (service) "
                            + "or 'runtimed run'");
        }
        if (facts.liveDaemonPid().isPresent()) {
            long pid = facts.liveDaemonPid().get();
            return CheckResult.fail(NAME, silent + ", though the daemon (pid " + pid + ") is alive",
                    Fixes.killThenStart(pid));
        }
        if (facts.lock().state() == DaemonFacts.LockState.HELD) {
            Path lock = facts.paths().lockFile();
            return CheckResult.fail(NAME, silent + ", though a process holds " + lock,
                    "a daemon is starting or hung: run 'runtimed doctor' again in a moment; if this stays, "
                            + "find the holder with 'fuser " + lock + "' and kill it");
        }
        return CheckResult.fail(NAME, silent, Fixes.START_DAEMON);
    }
}
