package io.runtimed.bench;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.SettingsClient;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RuntHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Propagation latency of one settings change from peer A to peer B through the daemon (issue 5):
 * A sets a value, and the clock stops when B's reader thread has applied the daemon's push. Every
 * other connected peer is a real settings session that receives and acknowledges each change too.
 * Before each change all peers have settled, so each figure is one change on an idle daemon. It
 * asserts nothing; the target (p50 ≤ 2 ms with 2 peers) is in the README.
 *
 * <p>Usage: {@code bin/runtimed-settings-bench [changes] [peer counts...]} (default 1000 changes,
 * 2 and 20 peers). Each peer count gets a fresh daemon in a private temporary home, started through
 * {@code bin/runtimed} (the tests' {@link DaemonProcess}).
 */
public final class SettingsBench {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String KEY = "uv.bench_marker";

    private SettingsBench() {
    }

    public static void main(String[] args) throws Exception {
        int changes = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        List<Integer> peerCounts = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            peerCounts.add(Integer.parseInt(args[i]));
        }
        if (peerCounts.isEmpty()) {
            peerCounts = List.of(2, 20);
        }
        Path launcher = Path.of(System.getProperty("runtimed.launcher", "bin/runtimed")).toAbsolutePath();
        if (!Files.isExecutable(launcher)) {
            System.err.println("launcher not found: " + launcher + " (run from the repository root after mvn package)");
            System.exit(2);
        }
        System.out.printf("runtimed settings bench: %d changes per figure, %d cores%n", changes,
                Runtime.getRuntime().availableProcessors());
        for (int peers : peerCounts) {
            try (RuntHome home = RuntHome.temporary("rtsettingsbench");
                 DaemonProcess d = DaemonProcess.in(home).launcher(launcher).logLevel("warn")
                         .readyWithin(Duration.ofSeconds(30)).start()) {
                long[] sorted = run(d.socket(), peers, changes);
                Path saved = home.settingsDoc();
                System.out.printf("A -> B through the daemon, %2d peers: p50 %.3f ms, p99 %.3f ms, max %.3f ms"
                                + " (%d changes; settings.automerge %d bytes at the end)%n",
                        peers, sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6,
                        sorted[sorted.length - 1] / 1e6, sorted.length,
                        Files.exists(saved) ? Files.size(saved) : 0);
                d.stop();
            }
        }
    }

    /** {@code warmup} unmeasured changes, then {@code changes} measured ones; sorted nanoseconds. */
    private static long[] run(Path socket, int peerCount, int changes) throws Exception {
        List<SettingsClient> peers = new ArrayList<>();
        try {
            for (int i = 0; i < peerCount; i++) {
                peers.add(SettingsClient.connect(socket));
            }
            SettingsClient a = peers.get(0);
            SettingsClient b = peers.get(1);
            AtomicLong arrived = new AtomicLong();
            String[] expected = new String[1];
            // B's reader thread stamps the moment it has applied the value A set
            AutoCloseable subscription = b.subscribe(s -> {
                if (b.get(KEY).equals(Optional.ofNullable(expected[0]))) {
                    arrived.compareAndSet(0, System.nanoTime());
                }
            });
            try {
                int warmup = Math.max(100, changes / 5);
                long[] nanos = new long[changes];
                for (int i = -warmup; i < changes; i++) {
                    String value = Integer.toString(i);
                    expected[0] = value;
                    arrived.set(0);
                    long t0 = System.nanoTime();
                    a.set(KEY, value);
                    if (!b.waitUntil(() -> arrived.get() != 0, WAIT)) {
                        throw new IllegalStateException("change " + i + " did not reach peer B");
                    }
                    long latency = arrived.get() - t0;
                    settle(peers, value);
                    if (i >= 0) {
                        nanos[i] = latency;
                    }
                }
                Arrays.sort(nanos);
                return nanos;
            } finally {
                subscription.close();
            }
        } finally {
            peers.forEach(SettingsClient::close);
        }
    }

    /** Waits until every peer has the value and A's change is acknowledged: the daemon is idle again. */
    private static void settle(List<SettingsClient> peers, String value) throws DaemonClientException {
        for (SettingsClient p : peers) {
            if (!p.waitUntil(() -> p.get(KEY).equals(Optional.of(value)), WAIT)) {
                throw new IllegalStateException("a peer never saw " + value);
            }
        }
        if (!peers.get(0).awaitSynced(WAIT)) {
            throw new IllegalStateException("the daemon never acknowledged " + value);
        }
    }
}
