package io.runtimed.dist;

import io.runtimed.testkit.Cli;
import io.runtimed.testkit.JavaProcess;
import io.runtimed.testkit.RuntHome;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a launcher script of a distribution (bin/runtimed, bin/runt) as a user would, or a test main
 * class, in a {@link RuntHome}; killed and failed after 60 s (installs and upgrades take a while).
 */
final class Launcher {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private Launcher() {
    }

    static Cli.Result run(RuntHome home, Map<String, String> env, Path workDir, Path launcher, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher.toString());
        cmd.addAll(List.of(args));
        return run(home, env, workDir, cmd);
    }

    /** A main class of this build (test class path) in a fresh JVM, with the same 60 s limit. */
    static Cli.Result runMain(RuntHome home, Map<String, String> env, Class<?> main, String... args)
            throws IOException, InterruptedException {
        return run(home, env, home.root(), JavaProcess.command(main.getName(), List.of(args)));
    }

    private static Cli.Result run(RuntHome home, Map<String, String> env, Path workDir, List<String> cmd)
            throws IOException, InterruptedException {
        int n = COUNTER.incrementAndGet();
        Path out = home.root().resolve("launcher-" + n + ".out");
        Path err = home.root().resolve("launcher-" + n + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().clear();
        pb.environment().putAll(home.childEnv(env));
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", cmd) + " did not finish within " + TIMEOUT.toSeconds()
                    + " s\nstdout:\n" + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
        }
        return new Cli.Result(cmd, p.exitValue(), Files.readAllBytes(out), Files.readString(err, StandardCharsets.UTF_8));
    }
}
