package io.runtimed.cli.runtimed;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.runtimed.cli.RuntimesSection;
import io.runtimed.client.DaemonClientException;
import io.runtimed.client.PoolClient;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.DaemonInfoFile;
import io.runtimed.protocol.PoolStats;
import io.runtimed.runtimes.RuntimeDetector;
import io.runtimed.runtimes.RuntimeInventory;
import java.nio.file.Files;
import java.util.Map;
import java.util.Optional;

/**
 * DAEMON.md §8: what {@code runtimed status} reports; serialised as it is for {@code --json}. After
 * the spec's keys, {@code runtimes}: the runtimes and tools usable from the caller's PATH and HOME
 * (issue 7 item 4).
 */
@JsonPropertyOrder({"daemon_info", "installed", "pool_stats", "running", "runtimes"})
record StatusReport(DaemonInfo daemonInfo, boolean installed, PoolStats poolStats, boolean running,
                    RuntimeInventory runtimes) {

    /** "running" = daemon.json parses and the default endpoint answers ping; runtimes as this process's PATH finds them. */
    static StatusReport gather(RuntPaths paths) {
        return gather(paths, System.getenv());
    }

    /** The same, with the runtimes {@code env}'s PATH and HOME find. */
    static StatusReport gather(RuntPaths paths, Map<String, String> env) {
        Optional<DaemonInfo> info = new DaemonInfoFile(paths.infoFile()).read();
        boolean installed = Files.exists(paths.serviceFile(BaseDirs.currentOs()));
        PoolClient client = new PoolClient(paths.defaultSocket());
        boolean running = false;
        PoolStats stats = null;
        if (info.isPresent()) {
            try {
                client.ping();
                running = true;
                stats = client.status();
            } catch (DaemonClientException e) {
                // not running, or it went away between ping and status
            }
        }
        RuntimeInventory runtimes = RuntimeDetector.forEnvironment(env, paths.runtimeProbes()).detect();
        return new StatusReport(info.orElse(null), installed, stats, running, runtimes);
    }

    String human() {
        StringBuilder out = new StringBuilder();
        out.append("runtimed Status\n===============\n");
        out.append("Service installed: ").append(installed ? "yes" : "no").append('\n');
        out.append("Daemon running:    ").append(running ? "yes" : "no").append('\n');
        if (daemonInfo != null) {
            out.append("\nDaemon Info:\n");
            out.append("  PID:      ").append(daemonInfo.pid()).append('\n');
            out.append("  Endpoint: ").append(daemonInfo.endpoint()).append('\n');
            out.append("  Version:  ").append(daemonInfo.version()).append('\n');
            out.append("  Started:  ").append(daemonInfo.startedAtHuman()).append('\n');
        }
        if (poolStats != null) {
            out.append("\nPool Statistics:\n");
            out.append("  UV:    ").append(poolStats.uvAvailable()).append('/')
                    .append(poolStats.uvAvailable() + poolStats.uvWarming()).append(" available\n");
            out.append("  Conda: ").append(poolStats.condaAvailable()).append('/')
                    .append(poolStats.condaAvailable() + poolStats.condaWarming()).append(" available\n");
        }
        out.append('\n').append(RuntimesSection.text(runtimes));
        return out.toString();
    }
}
