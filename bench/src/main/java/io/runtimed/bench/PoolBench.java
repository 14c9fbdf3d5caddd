package io.runtimed.bench;

import io.runtimed.client.PoolClient;
import io.runtimed.pool.EnvBackend;
import io.runtimed.pool.EnvBuilder;
import io.runtimed.pool.EnvDirectories;
import io.runtimed.pool.PoolSettings;
import io.runtimed.pool.UvBackend;
import io.runtimed.pool.VenvBackend;
import io.runtimed.protocol.EnvType;
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
import java.util.concurrent.locks.LockSupport;

/**
 * Issue 3's figures: the time to get a usable environment from a warm pool (a client's take round
 * trip) against building the same environment cold with the same backend, as a ratio in one run.
 * The backend is uv when {@code --uv PATH} is given, else python -m venv + pip with Debian's
 * /usr/bin/python3 and its system site-packages (what this machine can build offline).
 *
 * <p>Usage: {@code bin/runtimed-pool-bench [builds] [--uv PATH] [--python PATH]}.
 */
public final class PoolBench {
    private PoolBench() {
    }

    public static void main(String[] args) throws Exception {
        int builds = 3;
        Path uv = null;
        Path python = Path.of("/usr/bin/python3");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--uv" -> uv = Path.of(args[++i]);
                case "--python" -> python = Path.of(args[++i]);
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

        // warm: a daemon keeps `builds` envs ready; each take is one client round trip
        double[] warm = new double[builds];
        try (RuntHome home = RuntHome.temporary("rtpoolbench");
             DaemonProcess d = warmPool(home, launcher, builds, uv, python).start()) {
            PoolClient client = new PoolClient(d.socket());
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (client.status().uvAvailable() < builds) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the pool did not fill: " + client.status());
                }
                LockSupport.parkNanos(Duration.ofMillis(200).toNanos()); // waiting for builds, not timing them
            }
            // warm both JVMs' request path first: the figure is the pool's answer, not class loading
            for (int i = 0; i < 2000; i++) {
                client.status();
            }
            for (int i = 0; i < builds; i++) {
                long t0 = System.nanoTime();
                PooledEnv env = client.take(EnvType.UV).orElseThrow();
                warm[i] = (System.nanoTime() - t0) / 1e6;
                if (!Files.exists(Path.of(env.pythonPath()))) {
                    throw new IllegalStateException("taken env has no interpreter: " + env);
                }
            }
            d.stop();
        }
        Arrays.sort(warm);
        double coldP50 = cold[builds / 2];
        double warmP50 = warm[builds / 2];
        System.out.printf("cold build (%s):      p50 %.0f ms, min %.0f ms, max %.0f ms%n", backend.describe(), coldP50,
                cold[0], cold[builds - 1]);
        System.out.printf("warm take round trip: p50 %.3f ms, min %.3f ms, max %.3f ms (new connection per request)%n",
                warmP50, warm[0], warm[builds - 1]);
        System.out.printf("warm take is %.0fx faster than a cold build (target >= 1000x)%n", coldP50 / warmP50);
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
