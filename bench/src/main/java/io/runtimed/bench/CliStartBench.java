package io.runtimed.bench;

import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RuntHome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Issue 16's figures: each one-shot {@code runt} and {@code runtimed} command, whole process, against
 * the JVM floor ({@code java -Xshare:auto -XX:TieredStopAtLevel=1 -version}) timed in the same run,
 * each command's runs alternating with the floor's so both see the same load; then {@code runtimed}
 * cold start to first pong against the same floor. It asserts nothing: targets are 3x the floor for a
 * command, 4x for the daemon's start.
 *
 * <p>Usage: {@code bin/runtimed-cli-bench [runs] [cold-starts]} from the repository root after
 * {@code mvn package}; RUNTIMED_BIN names another directory holding {@code runt} and {@code runtimed}
 * (an installed copy's {@code bin}).
 */
public final class CliStartBench {
    private static final Duration READY = Duration.ofSeconds(30);
    private static final Duration POLL = Duration.ofNanos(500_000);

    /** One command line to time: which launcher, and its arguments. */
    private record Command(String launcher, List<String> args) {
        String label() {
            return launcher + " " + String.join(" ", args);
        }
    }

    private static final List<Command> COMMANDS = List.of(
            new Command("runt", List.of("pool", "ping")),
            new Command("runt", List.of("pool", "status")),
            new Command("runt", List.of("settings", "list")),
            new Command("runt", List.of("settings", "get", "theme")),
            new Command("runt", List.of("settings", "set", "theme", "light")),
            new Command("runt", List.of("notebook", "list")),
            new Command("runt", List.of("--version")),
            new Command("runtimed", List.of("status")),
            new Command("runtimed", List.of("doctor")));

    private CliStartBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int starts = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        Path bin = Path.of(System.getenv().getOrDefault("RUNTIMED_BIN", "bin")).toAbsolutePath();
        if (!Files.isExecutable(bin.resolve("runt")) || !Files.isExecutable(bin.resolve("runtimed"))) {
            System.err.println("runt or runtimed not found in " + bin + " (run from the repository root after mvn package)");
            System.exit(2);
        }
        List<String> floor = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-version");
        System.out.printf("cli start bench: %s, %d runs per command, %d cold starts, %d cores%n", bin, runs, starts,
                Runtime.getRuntime().availableProcessors());
        System.out.println("floor: " + String.join(" ", floor));
        System.out.printf("%-36s %10s %10s %7s %10s %7s%n", "command", "ours p50", "floor p50", "ratio", "ours min", "ratio");

        try (RuntHome home = RuntHome.temporary("rtclibench");
             DaemonProcess daemon = daemon(home, bin.resolve("runtimed")).start()) {
            Map<String, String> env = home.childEnv(Map.of());
            for (Command c : COMMANDS) {
                List<String> ours = new ArrayList<>();
                ours.add(bin.resolve(c.launcher()).toString());
                ours.addAll(c.args());
                int status = run(ours, env, home.root());
                if (status != 0 && !c.args().get(0).equals("doctor")) {
                    System.out.printf("%-36s exits %d: not timed%n", c.label(), status);
                    continue;
                }
                double[] oursMs = new double[runs];
                double[] floorMs = new double[runs];
                for (int i = 0; i < runs; i++) {
                    floorMs[i] = timed(floor, env, home.root());
                    oursMs[i] = timed(ours, env, home.root());
                }
                report(c.label(), oursMs, floorMs);
            }
            daemon.stop();
        }

        double[] cold = new double[starts];
        double[] floorMs = new double[starts];
        for (int i = 0; i < starts; i++) {
            try (RuntHome home = RuntHome.temporary("rtclibench")) {
                floorMs[i] = timed(floor, home.childEnv(Map.of()), home.root());
                try (DaemonProcess d = daemon(home, bin.resolve("runtimed")).pollEvery(POLL).start()) {
                    cold[i] = d.startToFirstPong().toNanos() / 1e6;
                    d.stop();
                }
            }
        }
        report("runtimed: cold start to first pong", cold, floorMs);
    }

    /** A daemon with empty pools, as the other benches start it. */
    private static DaemonProcess.Builder daemon(RuntHome home, Path launcher) {
        return DaemonProcess.in(home).launcher(launcher).logLevel("warn").readyWithin(READY);
    }

    private static double timed(List<String> command, Map<String, String> env, Path dir) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        run(command, env, dir);
        return (System.nanoTime() - t0) / 1e6;
    }

    private static int run(List<String> command, Map<String, String> env, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb.start().waitFor();
    }

    private static void report(String what, double[] ours, double[] floor) {
        Arrays.sort(ours);
        Arrays.sort(floor);
        double oursP50 = ours[ours.length / 2];
        double floorP50 = floor[floor.length / 2];
        System.out.printf("%-36s %8.0f ms %8.0f ms %6.1fx %8.0f ms %6.1fx%n", what, oursP50, floorP50, oursP50 / floorP50,
                ours[0], ours[0] / floor[0]);
    }
}
