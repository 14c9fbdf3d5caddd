package io.runtimed.cli.runtimed.doctor;

import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.RuntimedVersion;
import java.nio.file.Path;

/**
 * DAEMON.md §4: daemon.json, by which clients find the daemon's pid, version and blob port. Absent
 * is right when no daemon runs; a file naming a process that is gone is stale (a killed daemon
 * leaves it behind, §6).
 */
final class DaemonInfoCheck implements Check {
    static final String NAME = RuntPaths.INFO_FILE;

    private final DaemonFacts facts;

    DaemonInfoCheck(DaemonFacts facts) {
        this.facts = facts;
    }

    @Override
    public CheckResult run() {
        Path file = facts.paths().infoFile();
        if (!facts.infoFileExists()) {
            if (facts.answers()) {
                return CheckResult.fail(NAME, file + " is missing though the daemon answers, so clients cannot "
                        + "find its blob port", Fixes.RESTART_DAEMON + " (it writes the file at start)");
            }
            return CheckResult.skip(NAME, "no " + file + " (no daemon running)");
        }
        if (facts.info().isEmpty()) {
            return CheckResult.fail(NAME, file + " does not parse as daemon info",
                    facts.answers() ? Fixes.RESTART_DAEMON + " (it rewrites the file)"
                            : "remove it: rm " + file + " (the next start writes a new one)");
        }
        DaemonInfo info = facts.info().get();
        String staleFix = "remove it: rm " + file + ", then " + Fixes.START_DAEMON;
        switch (facts.pid()) {
            case DEAD:
                return CheckResult.fail(NAME, file + " is stale: pid " + info.pid()
                        + " is not running (the daemon was killed)", staleFix);
            case OTHER_PROGRAM:
                return CheckResult.fail(NAME, file + " is stale: pid " + info.pid() + " is now "
                        + DaemonFacts.commandOf(info.pid()) + ", not a runtimed daemon", staleFix);
            default:
                break;
        }
        String ours = RuntimedVersion.full();
        if (!info.version().equals(ours)) {
            // DAEMON.md §9: clients compare the version for equality only
            return CheckResult.warn(NAME, "pid " + info.pid() + " runs runtimed " + info.version()
                    + ", but this runtimed is " + ours, Fixes.RESTART_DAEMON + " to run this version");
        }
        return CheckResult.ok(NAME, "pid " + info.pid() + " alive, runtimed " + info.version() + ", started "
                + info.startedAtHuman() + ", blob port " + (info.blobPort() == null ? "none" : info.blobPort()));
    }
}
