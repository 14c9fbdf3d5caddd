package io.runtimed.cli.runtimed.doctor;

import java.nio.file.Path;
import java.util.Optional;

/**
 * DAEMON.md §3: the singleton lock. Held is the healthy state (the OS frees a flock when its holder
 * exits, so a holder is always alive); free means no daemon runs, or, if one answers anyway, that
 * it no longer excludes a second one.
 */
final class LockCheck implements Check {
    static final String NAME = "lock";

    private final DaemonFacts facts;

    LockCheck(DaemonFacts facts) {
        this.facts = facts;
    }

    @Override
    public CheckResult run() {
        Path lock = facts.paths().lockFile();
        DaemonFacts.Lock state = facts.lock();
        switch (state.state()) {
            case HELD:
                return held(lock, state);
            case UNTESTABLE:
                return CheckResult.fail(NAME, "cannot test " + lock + ": " + state.detail(),
                        "stop any daemon ('runtimed stop'), remove it: rm -r " + lock + ", then " + Fixes.START_DAEMON);
            default:
                break;
        }
        String why = state.state() == DaemonFacts.LockState.NO_LOCK_FILE ? " (" + state.detail() + ")" : "";
        if (facts.answers()) {
            return CheckResult.fail(NAME, "a daemon answers, but no process holds " + lock + why
                            + ": a second daemon could start beside it",
                    Fixes.RESTART_DAEMON);
        }
        return CheckResult.fail(NAME, "no daemon holds " + lock + why, Fixes.START_DAEMON);
    }

    private CheckResult held(Path lock, DaemonFacts.Lock state) {
        Optional<Long> named = facts.liveDaemonPid();
        if (state.holder().isEmpty()) {
            return CheckResult.ok(NAME, lock + " is held by a running process"
                    + named.map(pid -> " (daemon.json names pid " + pid + ")").orElse(""));
        }
        long holder = state.holder().getAsLong();
        if (named.isPresent() && named.get() != holder) {
            return CheckResult.fail(NAME, lock + " is held by pid " + holder + " (" + DaemonFacts.commandOf(holder)
                    + "), but daemon.json names pid " + named.get() + ": two daemons, or one that lost its files",
                    "stop both (kill " + holder + " " + named.get() + "), then " + Fixes.START_DAEMON);
        }
        return CheckResult.ok(NAME, lock + " is held by pid " + holder
                + (named.isPresent() ? ", the daemon daemon.json names" : " (" + DaemonFacts.commandOf(holder) + ")"));
    }
}
