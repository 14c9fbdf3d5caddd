package io.runtimed.cli.runtimed.doctor;

import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.EnvType;
import io.runtimed.tools.BackendDetector;
import io.runtimed.tools.ProcessRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code runtimed doctor}: runs every check in a fixed order (the user's directories, then the
 * daemon from its socket to its blob server, then the pool tools) and returns one result per check.
 */
public final class Doctor {
    private Doctor() {
    }

    /** Examines the runtimed installation at {@code paths} for a user whose environment is {@code env}. */
    public static List<CheckResult> examine(RuntPaths paths, Map<String, String> env) throws InterruptedException {
        DaemonFacts facts = DaemonFacts.gather(paths);
        BackendDetector detector = new BackendDetector(env, paths.base().home(), new ProcessRunner(Map.of()));
        List<Check> checks = List.of(
                DirectoryCheck.runtDir(paths.runtDir()),
                DirectoryCheck.settingsDir(paths.settingsDir()),
                new SocketCheck(facts),
                new LockCheck(facts),
                new DaemonInfoCheck(facts),
                new BlobServerCheck(facts),
                new PoolBackendCheck(EnvType.UV, facts, detector),
                new PoolBackendCheck(EnvType.CONDA, facts, detector));
        List<CheckResult> results = new ArrayList<>();
        for (Check check : checks) {
            results.add(check.run());
        }
        return results;
    }
}
