package io.runtimed.bench;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.PoolClient;
import io.runtimed.client.PoolConnection;
import io.runtimed.protocol.PoolRequest;
import io.runtimed.protocol.PoolResponse;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RuntHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * Prints the foundation's figures: pool ping round trip (p50/p99) on one reused connection and with
 * a new connection per request, and daemon cold start to first pong. It asserts nothing; the
 * targets are in the README.
 *
 * <p>Usage: {@code bin/runtimed-bench [pings] [cold-starts]}. The daemon is started the way a user
 * starts it, through {@code bin/runtimed}, in a private temporary home (the tests' {@link DaemonProcess}).
 */
public final class Bench {
    private static final PoolRequest PING = new PoolRequest.Ping();
    private static final Duration READY = Duration.ofSeconds(30);
    // fine enough for the cold-start figure, and no spinning core stolen from the daemon that is
    // starting on a 2-core machine
    private static final Duration POLL = Duration.ofNanos(500_000);

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        int pings = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int starts = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        // RUNTIMED_LAUNCHER: time another launcher, e.g. the installed copy (~/.local/share/runt/bin/runtimed)
        String chosen = System.getenv().getOrDefault("RUNTIMED_LAUNCHER", System.getProperty("runtimed.launcher", "bin/runtimed"));
        Path launcher = Path.of(chosen).toAbsolutePath();
        System.out.println("launcher: " + launcher);
        if (!Files.isExecutable(launcher)) {
            System.err.println("launcher not found: " + launcher + " (run from the repository root after mvn package)");
            System.exit(2);
        }
        System.out.printf("runtimed bench: %d pings per figure, %d cold starts, %d cores%n",
                pings, starts, Runtime.getRuntime().availableProcessors());

        double[] cold = new double[starts];
        for (int i = 0; i < starts; i++) {
            try (RuntHome home = RuntHome.temporary("rtbench");
                 DaemonProcess d = daemon(home, launcher).pollEvery(POLL).start()) {
                cold[i] = d.startToFirstPong().toNanos() / 1e6;
                d.stop();
            }
        }
        Arrays.sort(cold);
        System.out.printf("cold start to first pong: p50 %.1f ms, min %.1f ms, max %.1f ms (%d runs)%n",
                cold[starts / 2], cold[0], cold[starts - 1], starts);

        try (RuntHome home = RuntHome.temporary("rtbench"); DaemonProcess d = daemon(home, launcher).start()) {
            try (PoolConnection c = PoolConnection.open(d.socket(), Duration.ofSeconds(2), Duration.ofSeconds(5))) {
                long[] reused = measure(pings, () -> c.request(PING, PoolResponse.Pong.class));
                report("ping, one reused connection", reused);
            }
            PoolClient client = new PoolClient(d.socket());
            long[] fresh = measure(pings / 4, client::ping);
            report("ping, new connection per request", fresh);
            d.stop();
        }
    }

    /** A daemon with empty pools, started through {@code launcher} as a user starts it. */
    private static DaemonProcess.Builder daemon(RuntHome home, Path launcher) {
        return DaemonProcess.in(home).launcher(launcher).logLevel("warn").readyWithin(READY);
    }

    private interface Call {
        void run() throws DaemonClientException;
    }

    /** Warms up with a fifth of the count, then times each call alone. */
    private static long[] measure(int count, Call call) throws DaemonClientException {
        for (int i = 0; i < Math.max(500, count / 5); i++) {
            call.run();
        }
        long[] nanos = new long[count];
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            call.run();
            nanos[i] = System.nanoTime() - t0;
        }
        Arrays.sort(nanos);
        return nanos;
    }

    private static void report(String what, long[] sorted) {
        System.out.printf("%-34s p50 %.3f ms, p99 %.3f ms (%d requests)%n", what + ":",
                sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6, sorted.length);
    }
}
