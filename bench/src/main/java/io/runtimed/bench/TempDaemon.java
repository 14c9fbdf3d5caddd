package io.runtimed.bench;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.PoolClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/** A daemon in a private temporary home, started through the user's launcher; closing it stops it and deletes the home. */
final class TempDaemon implements AutoCloseable {
    final Path home;
    final Path socket;
    final Process process;
    final double startMillis;

    private TempDaemon(Path home, Path socket, Process process, double startMillis) {
        this.home = home;
        this.socket = socket;
        this.process = process;
        this.startMillis = startMillis;
    }

    /** {@code <cache>/runt} of this home: daemon.json and the default blob directory live there. */
    Path runtDir() {
        return home.resolve("cache/runt");
    }

    static TempDaemon start(Path launcher, String... extraArgs) throws IOException, InterruptedException {
        Path home = Files.createTempDirectory("rtbench");
        Path socket = home.resolve("cache/runt/runtimed.sock");
        List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "run", "--log-level", "warn"));
        List<String> extra = List.of(extraArgs);
        for (String pool : List.of("--uv-pool-size", "--conda-pool-size")) {
            if (!extra.contains(pool)) {
                cmd.addAll(List.of(pool, "0")); // nothing is built unless the bench asks for it
            }
        }
        cmd.addAll(extra);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(home.resolve("daemon.err").toFile());
        Map<String, String> env = pb.environment();
        env.put("HOME", home.toString());
        env.put("XDG_CACHE_HOME", home.resolve("cache").toString());
        env.put("XDG_CONFIG_HOME", home.resolve("config").toString());
        env.put("XDG_DATA_HOME", home.resolve("data").toString());
        PoolClient client = new PoolClient(socket, Duration.ofMillis(200), Duration.ofSeconds(2));
        long t0 = System.nanoTime();
        Process p = pb.start();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                client.ping();
                break;
            } catch (DaemonClientException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("daemon did not start: see " + home.resolve("daemon.err"));
                }
                // poll every half millisecond: fine enough for the figure, and no spinning core
                // stolen from the daemon that is starting on a 2-core machine
                LockSupport.parkNanos(500_000);
            }
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        return new TempDaemon(home, socket, p, ms);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            new PoolClient(socket).shutdown();
        } catch (DaemonClientException e) {
            process.destroy();
        }
        process.waitFor(10, TimeUnit.SECONDS);
        process.destroyForcibly();
        try (Stream<Path> walk = Files.walk(home)) {
            List<Path> all = new ArrayList<>(walk.toList());
            all.sort(Comparator.reverseOrder());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        }
    }
}
