package io.runtimed.dist;

import io.runtimed.testkit.Cli;
import io.runtimed.testkit.JavaProcess;
import io.runtimed.testkit.RuntHome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a launcher script of a distribution (bin/runtimed, bin/runt) as a user would, or a test main
 * class, in a {@link RuntHome}; killed and failed after 60 s (installs and upgrades take a while).
 */
final class Launcher {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Launcher() {
    }

    static Cli.Result run(RuntHome home, Map<String, String> env, Path workDir, Path launcher, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher.toString());
        cmd.addAll(List.of(args));
        return Cli.run(home, env, workDir, cmd, cmd, TIMEOUT);
    }

    /** A main class of this build (test class path) in a fresh JVM, with the same 60 s limit. */
    static Cli.Result runMain(RuntHome home, Map<String, String> env, Class<?> main, String... args) {
        List<String> shown = new ArrayList<>(List.of(main.getSimpleName()));
        shown.addAll(List.of(args));
        return Cli.run(home, env, home.root(), JavaProcess.command(main.getName(), List.of(args)), shown, TIMEOUT);
    }
}
