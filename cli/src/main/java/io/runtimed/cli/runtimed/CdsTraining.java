package io.runtimed.cli.runtimed;

import ch.qos.logback.classic.Level;
import io.runtimed.cli.runt.RuntCommand;
import io.runtimed.cli.runt.RuntMain;
import io.runtimed.client.BlobClient;
import io.runtimed.client.PoolClient;
import io.runtimed.client.SettingsClient;
import io.runtimed.daemon.ClassPreloader;
import io.runtimed.daemon.Daemon;
import io.runtimed.daemon.DaemonConfig;
import io.runtimed.daemon.DaemonLogging;
import io.runtimed.daemon.SignalShutdown;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.Json;
import io.runtimed.server.DaemonLifecycle;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * The build's training run for the class-data-sharing archive that bin/runtimed and bin/runt start
 * with (bin/.launch's dump mode lists the classes it loads, cli/pom.xml and the installer run it):
 * it walks the daemon's start path, one request of each kind, a settings session and the one-shot
 * commands, in a home of its own, so that those classes are loaded from the archive instead of
 * parsed and verified at every start. A class left out costs more than its own loading: the class
 * loader looks for it in the jars in order, opening each.
 */
public final class CdsTraining {
    /** The runt commands that must start fast (issue 16): their trees and parsing are trained. */
    private static final List<String[]> ONE_SHOT_RUNT = List.of(new String[] {"pool", "ping"},
            new String[] {"pool", "status"}, new String[] {"pool", "status", "--json"}, new String[] {"settings", "list"},
            new String[] {"settings", "get", "theme"}, new String[] {"settings", "set", "theme", "dark"},
            new String[] {"notebook", "list"}, new String[] {"--version"});
    /** The same for runtimed's one-shot commands. */
    private static final List<String[]> ONE_SHOT_RUNTIMED = List.of(new String[] {"status"},
            new String[] {"status", "--json"}, new String[] {"doctor"}, new String[] {"doctor", "--json"});

    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        // bin/.launch's dump mode gives the training a home of its own (HOME, no XDG overrides),
        // so that the commands below find the training's daemon at their default socket
        String trainingHome = System.getenv("RUNTIMED_TRAINING_HOME");
        if (trainingHome == null || !trainingHome.equals(System.getenv("HOME"))) {
            System.err.println("CdsTraining runs in a home of its own: start it as bin/.launch does (RUNTIMED_CDS=dump)");
            System.exit(2);
        }
        Path home = Path.of(trainingHome);
        RuntPaths paths = RuntPaths.current();
        ClassPreloader.start();
        // the daemon's logging path as it runs: a file appender and formatted lines
        DaemonLogging.configure(Level.INFO, home.resolve("training.log"));
        SignalShutdown.install(new DaemonLifecycle());
        DaemonConfig config = DaemonConfig.builder(paths).poolSizes(0, 0).handshakeTimeout(Duration.ofSeconds(5)).build();
        StringWriter sink = new StringWriter();
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
            // the one-shot commands as a user runs them, each against the training's daemon
            for (String[] oneShot : ONE_SHOT_RUNT) {
                expectSuccess("runt", oneShot, RuntCommand.TREE.forArgs(oneShot, cl -> toSink(cl, sink)).execute(oneShot),
                        sink);
            }
            // runtimed status and doctor as a user runs them, against the training's daemon, with
            // a stand-in python3 and uv on the PATH bin/.launch gives the training (the machine's
            // own interpreters would cost every build their probes: pyenv's shims take seconds)
            Path bin = Files.createDirectories(home.resolve("bin"));
            standIn(bin.resolve("python3"), "Python 3.12.0");
            standIn(bin.resolve("uv"), "uv 0.5.0");
            for (String[] oneShot : ONE_SHOT_RUNTIMED) {
                int status = RuntimedCommand.TREE.forArgs(oneShot, cl -> toSink(cl, sink)).execute(oneShot);
                // doctor exits 1 when a check fails (the stand-ins are not a usable uv): still trained
                expectSuccess("runtimed", oneShot, oneShot[0].equals("doctor") && status == 1 ? 0 : status, sink);
            }
        }
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
        deleteTree(home);
    }

    /** A program that answers {@code --version} with {@code version} and refuses anything else. */
    private static void standIn(Path program, String version) throws IOException {
        Files.writeString(program, "#!/bin/sh\n[ \"$1\" = --version ] && echo '" + version + "' && exit 0\nexit 1\n");
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /**
     * A command that failed in the training would leave what its success path loads out of the
     * archive, silently: the training fails instead, with what the command printed.
     */
    private static void expectSuccess(String launcher, String[] args, int status, StringWriter sink) {
        if (status != 0) {
            System.err.println(sink);
            throw new IllegalStateException(launcher + " " + String.join(" ", args) + " exited " + status
                    + " in the training");
        }
    }

    private static CommandLine toSink(CommandLine cl, StringWriter sink) {
        cl.setOut(new PrintWriter(sink));
        cl.setErr(new PrintWriter(sink));
        return cl;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
