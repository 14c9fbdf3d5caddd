package io.runtimed.bench;

import io.runtimed.client.PoolConnection;
import io.runtimed.pool.EnvBackend;
import io.runtimed.pool.EnvBuilder;
import io.runtimed.pool.EnvDirectories;
import io.runtimed.pool.PoolSettings;
import io.runtimed.pool.UvBackend;
import io.runtimed.pool.VenvBackend;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PoolRequest;
import io.runtimed.protocol.PoolResponse;
import io.runtimed.protocol.PoolStats;
import io.runtimed.protocol.PooledEnv;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RuntHome;
import io.runtimed.tools.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Issue 3's figures: the time to get a usable environment from a warm pool (a client's take round
 * trip) against building the same environment cold with the same backend, as a ratio in one run.
 * The backend is uv when {@code --uv PATH} is given, else python -m venv + pip with Debian's
 * /usr/bin/python3 and its system site-packages (what this machine can build offline).
 *
 * <p>The warm figure is a take from a full, idle pool (the pool refilled and no build running
 * before each one) on one reused connection, against a ping on the same connection just before
 * it: what a take adds to the cheapest request. {@code --stand-in-uv} builds with a uv stand-in
 * ({@link StandInUv}) where no uv is installed.
 *
 * <p>Usage: {@code bin/runtimed-pool-bench [builds] [--takes N] [--uv PATH | --stand-in-uv] [--python PATH]}.
 */
public final class PoolBench {
    private static final PoolRequest PING = new PoolRequest.Ping();
    private PoolBench() {
    }

    public static void main(String[] args) throws Exception {
        int builds = 3;
        int takes = 50;
        Path uv = null;
        Path python = Path.of("/usr/bin/python3");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--uv" -> uv = Path.of(args[++i]);
                case "--python" -> python = Path.of(args[++i]);
                case "--takes" -> takes = Integer.parseInt(args[++i]);
                case "--stand-in-uv" -> uv = StandInUv.writeTo(Files.createTempDirectory("rtpoolbench-uv"));
                default -> builds = Integer.parseInt(args[i]);
            }
        }
        Path launcher = Path.of(System.getProperty("runtimed.launcher", "bin/runtimed")).toAbsolutePath();
        EnvBackend backend = uv != null ? new UvBackend(uv) : new VenvBackend(python);
        PoolSettings settings = new PoolSettings(List.of(), List.of(), uv != null ? python : null, true, null, null);
        System.out.printf("pool bench: backend %s, %d cold builds, %d cores%n", backend.describe(), builds,
                Runtime.getRuntime().availableProcessors());

        // cold: what a window waits for without a pool, measured build by build on an idle machine
        Path scratch = Files.createTempDirectory("rtpoolbench");
        EnvBuilder builder = new EnvBuilder(new EnvDirectories(scratch),
                new ProcessRunner(Map.of("PIP_DISABLE_PIP_VERSION_CHECK", "1", "PIP_NO_INPUT", "1")));
        double[] cold = new double[builds];
        for (int i = 0; i < builds; i++) {
            long t0 = System.nanoTime();
            PooledEnv env = builder.build(backend, settings);
            cold[i] = (System.nanoTime() - t0) / 1e6;
            EnvDirectories.deleteTree(Path.of(env.venvPath()));
        }
        EnvDirectories.deleteTree(scratch);
        Arrays.sort(cold);

        // warm: a daemon keeps `poolSize` envs ready; each take is one request on a reused connection
        int poolSize = 2;
        int warmup = Math.max(5, takes / 5);
        long[] takeNanos = new long[takes];
        long[] pingNanos = new long[takes];
        try (RuntHome home = RuntHome.temporary("rtpoolbench");
             DaemonProcess d = warmPool(home, launcher, poolSize, uv, python).start();
             PoolConnection c = PoolConnection.open(d.socket(), Duration.ofSeconds(2), Duration.ofSeconds(30))) {
            // warm both JVMs' request path first: the figure is the pool's answer, not class loading
            // or the interpreter (takes from the empty conda pool, whose target is 0, run the take
            // path; each measured take below is one of only a few dozen)
            for (int i = 0; i < 2000; i++) {
                c.request(new PoolRequest.Status(), PoolResponse.Stats.class);
                c.request(PING, PoolResponse.Pong.class);
                c.request(new PoolRequest.Take(EnvType.CONDA), PoolResponse.Empty.class);
            }
            for (int i = -warmup; i < takes; i++) {
                awaitFull(c, poolSize);
                long t0 = System.nanoTime();
                c.request(PING, PoolResponse.Pong.class);
                long ping = System.nanoTime() - t0;
                t0 = System.nanoTime();
                PooledEnv env = c.request(new PoolRequest.Take(EnvType.UV), PoolResponse.Env.class).env();
                long take = System.nanoTime() - t0;
                if (!Files.exists(Path.of(env.pythonPath()))) {
                    throw new IllegalStateException("taken env has no interpreter: " + env);
                }
                EnvDirectories.deleteTree(Path.of(env.venvPath())); // the bench's now
                if (i >= 0) {
                    takeNanos[i] = take;
                    pingNanos[i] = ping;
                }
            }
            d.stop();
        }
        Arrays.sort(takeNanos);
        Arrays.sort(pingNanos);
        double coldP50 = cold[builds / 2];
        double takeP50 = takeNanos[takes / 2] / 1e6;
        double pingP50 = pingNanos[takes / 2] / 1e6;
        System.out.printf("cold build (%s):      p50 %.0f ms, min %.0f ms, max %.0f ms%n", backend.describe(), coldP50,
                cold[0], cold[builds - 1]);
        System.out.printf("warm take, full pool of %d, one reused connection (%d takes): p50 %.3f ms, p90 %.3f ms,"
                + " max %.3f ms%n", poolSize, takes, takeP50, takeNanos[(int) (takes * 0.9)] / 1e6,
                takeNanos[takes - 1] / 1e6);
        System.out.printf("ping just before each take, same connection:              p50 %.3f ms, p90 %.3f ms%n",
                pingP50, pingNanos[(int) (takes * 0.9)] / 1e6);
        System.out.printf("take / ping p50: %.1fx; warm take is %.0fx faster than a cold build (target >= 1000x)%n",
                takeP50 / pingP50, coldP50 / takeP50);
    }

    /**
     * Until the pool is full and nothing is being built: each take is measured against a full,
     * idle pool. A deadline loop in 5 ms steps (the daemon announces no refill on this channel).
     */
    private static void awaitFull(PoolConnection c, int poolSize) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (true) {
            PoolStats s = c.request(new PoolRequest.Status(), PoolResponse.Stats.class).stats();
            if (s.uvAvailable() >= poolSize && s.uvWarming() == 0) {
                return;
            }
            if (s.uvError() != null) {
                throw new IllegalStateException("the pool cannot fill: " + s.uvError());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the pool did not fill: " + s);
            }
            Thread.sleep(5); // waiting for builds, not timing them
        }
    }

    /** A daemon started through {@code launcher} that keeps {@code builds} uv-type envs ready, built as the cold ones were. */
    private static DaemonProcess.Builder warmPool(RuntHome home, Path launcher, int builds, Path uv, Path python) {
        DaemonProcess.Builder b = DaemonProcess.in(home).launcher(launcher).logLevel("warn")
                .readyWithin(Duration.ofSeconds(30))
                .uvPoolSize(builds).buildEnvironments()
                .args("--python", python.toString(), "--system-site-packages");
        return uv != null ? b.args("--uv", uv.toString()) : b;
    }
}
