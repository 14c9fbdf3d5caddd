package io.runtimed.cli.runtimed;

import ch.qos.logback.classic.Level;
import io.runtimed.cli.runt.RuntCommand;
import io.runtimed.cli.runt.RuntMain;
import io.runtimed.cli.runtimed.doctor.Doctor;
import io.runtimed.client.BlobClient;
import io.runtimed.client.PoolClient;
import io.runtimed.client.SettingsClient;
import io.runtimed.daemon.ClassPreloader;
import io.runtimed.daemon.Daemon;
import io.runtimed.daemon.DaemonConfig;
import io.runtimed.daemon.DaemonLogging;
import io.runtimed.daemon.SignalShutdown;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.Json;
import io.runtimed.server.DaemonLifecycle;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * The build's training run for the class-data-sharing archive that bin/runtimed and bin/runt start
 * with (cli/pom.xml runs it with -XX:ArchiveClassesAtExit): it walks the daemon's start path, one
 * request of each kind, a settings session and the CLIs' parsing, in a private temporary directory, so that those
 * classes are loaded from the archive instead of parsed and verified at every start.
 */
public final class CdsTraining {
    /** The runt commands that must start fast (issue 16): their trees and parsing are trained. */
    private static final List<String[]> ONE_SHOT_RUNT = List.of(new String[] {"pool", "ping"},
            new String[] {"pool", "status", "--json"}, new String[] {"settings", "list"},
            new String[] {"settings", "get", "theme"}, new String[] {"settings", "set", "theme", "dark"},
            new String[] {"notebook", "list"}, new String[] {"--version"});

    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Files.createTempDirectory("runtimed-cds");
        try {
            ClassPreloader.start();
            RuntPaths.current();
            // the daemon's logging path as it runs: a file appender and formatted lines
            DaemonLogging.configure(Level.INFO, home.resolve("training.log"));
            SignalShutdown.install(new DaemonLifecycle());
            DaemonConfig config = DaemonConfig.builder(new RuntPaths(BaseDirs.under(home))).poolSizes(0, 0)
                    .handshakeTimeout(Duration.ofSeconds(5)).build();
            RuntPaths paths = new RuntPaths(BaseDirs.under(home));
            try (Daemon daemon = Daemon.start(config)) {
                PoolClient client = new PoolClient(config.socket());
                client.ping();
                Json.pretty(client.status());
                Json.pretty(client.listRooms());
                client.take(EnvType.UV);
                client.flush();
                BlobClient blobs = new BlobClient(config.socket());
                blobs.url(blobs.store(new byte[] {1}, "application/octet-stream"));
                try (SettingsClient settings = SettingsClient.connect(config.socket())) {
                    Json.pretty(settings.getAllJson());
                }
                // what runtimed status and doctor read and ask (their paths are the training home's)
                // the report's classes, not the machine's interpreters: their probes (pyenv's shims
                // time out in a home that is not theirs) would cost every install seconds
                Path noTools = Files.createDirectories(home.resolve("no-tools"));
                StatusReport.gather(paths, Map.of("PATH", noTools.toString(), "HOME", home.toString())).human();
                Json.pretty(Doctor.examine(paths, Map.of()));
            }
            StringWriter sink = new StringWriter();
            // the one-shot commands' parsing, as the launchers build their trees (the commands
            // themselves would talk to the user's default socket, not the training daemon's)
            for (String[] oneShot : ONE_SHOT_RUNT) {
                RuntCommand.TREE.forArgs(oneShot, cl -> cl.setOut(new PrintWriter(sink))).parseArgs(oneShot);
            }
            RuntimedCommand.TREE.forArgs(new String[] {"status", "--json"}, cl -> cl).parseArgs("status", "--json");
            RuntimedCommand.TREE.forArgs(new String[] {"--log-level", "info"}, cl -> cl).parseArgs("--log-level", "info");
            // the entry points themselves, as the launchers call them (their method references are
            // then in the archive too, not spun at every start); each prints its version line
            RuntMain.run(new String[] {"--version"});
            RuntimedMain.run(new String[] {"--version"});
            for (CommandLine cl : new CommandLine[] {RuntimedCommand.TREE.full(), RuntCommand.TREE.full()}) {
                cl.setOut(new PrintWriter(sink));
                cl.usage(new PrintWriter(sink));
                cl.parseArgs("--help");
            }
        } finally {
            deleteTree(home);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
