package io.runtimed.bench;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.SettingsClient;
import io.runtimed.sync.notebook.NotebookDoc;
import io.runtimed.sync.settings.SettingsDoc;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RawSyncPeer;
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
    /** Changes per block when the settings and notebook shares alternate. */
    private static final int SHARE_BLOCK = 50;

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
                if (peers == 2) {
                    daemonShare(d.socket(), changes);
                }
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

    /**
     * The daemon's share of one change with 2 peers, for the settings document and for a notebook
     * room of the same daemon: from A's sync message handed to its socket until B's reader has read
     * the frame that brings the change ({@link StampedPeer}), so no client's Automerge work is in
     * it. The two alternate in blocks of {@link #SHARE_BLOCK} changes, so both see the same load
     * while what a settings change leaves running behind it (the settings.json mirror) meets the
     * settings changes that follow it, as it would in a burst of settings changes. Before each
     * change the pair settles (both peers in sync with the daemon), as in {@link #run}.
     */
    private static void daemonShare(Path socket, int changes) throws Exception {
        try (StampedPeer sa = StampedPeer.connect(socket, RawSyncPeer.SETTINGS_HANDSHAKE, "settings-a");
             StampedPeer sb = StampedPeer.connect(socket, RawSyncPeer.SETTINGS_HANDSHAKE, "settings-b");
             StampedPeer na = StampedPeer.connect(socket, RawSyncPeer.notebookHandshake("bench-share"), "notebook-a");
             StampedPeer nb = StampedPeer.connect(socket, RawSyncPeer.notebookHandshake("bench-share"), "notebook-b")) {
            for (StampedPeer p : List.of(sa, sb)) {
                p.await(doc -> SettingsDoc.get(doc, SettingsDoc.THEME).isPresent(), WAIT);
            }
            for (StampedPeer p : List.of(na, nb)) {
                p.await(doc -> NotebookDoc.notebookId(doc).isPresent(), WAIT);
            }
            String cell = "share";
            na.change(tx -> NotebookDoc.addCell(tx, 0, cell, "code", true));
            nb.await(doc -> NotebookDoc.cell(doc, cell).isPresent(), WAIT);
            int[] count = new int[2];
            ShareEdit settingsEdit = (i) -> {
                String value = "share-" + i;
                return shareOf(sa, sb, tx -> SettingsDoc.put(tx, KEY, value),
                        doc -> SettingsDoc.get(doc, KEY).equals(Optional.of(value)));
            };
            ShareEdit notebookEdit = (i) -> {
                int length = ++count[1];
                return shareOf(na, nb, tx -> NotebookDoc.spliceSource(tx, cell, length - 1, 0, "x"),
                        doc -> NotebookDoc.cell(doc, cell).map(c -> c.source().length() == length).orElse(false));
            };
            int warmup = Math.max(100, changes / 5);
            for (int i = 0; i < warmup; i++) {
                settingsEdit.once(i);
                notebookEdit.once(i);
            }
            long[] settings = new long[changes];
            long[] notebook = new long[changes];
            for (int from = 0; from < changes; from += SHARE_BLOCK) {
                int to = Math.min(changes, from + SHARE_BLOCK);
                for (int i = from; i < to; i++) {
                    settings[i] = settingsEdit.once(warmup + i);
                }
                for (int i = from; i < to; i++) {
                    notebook[i] = notebookEdit.once(warmup + i);
                }
            }
            Arrays.sort(settings);
            Arrays.sort(notebook);
            System.out.printf("daemon's share (A's frame written -> B's frame read), 2 peers, %d changes each,"
                    + " in alternating blocks of %d:%n", changes, SHARE_BLOCK);
            System.out.printf("    settings: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms%n", settings[changes / 2] / 1e6,
                    settings[(int) (changes * 0.9)] / 1e6, settings[(int) (changes * 0.99)] / 1e6);
            System.out.printf("    notebook: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms%n", notebook[changes / 2] / 1e6,
                    notebook[(int) (changes * 0.9)] / 1e6, notebook[(int) (changes * 0.99)] / 1e6);
            System.out.printf("    settings / notebook: p50 %.2fx, p90 %.2fx%n",
                    (double) settings[changes / 2] / notebook[changes / 2],
                    (double) settings[(int) (changes * 0.9)] / notebook[(int) (changes * 0.9)]);
        }
    }

    /** One measured change of a pair of stamped peers; nanoseconds of the daemon's share. */
    @FunctionalInterface
    private interface ShareEdit {
        long once(int i) throws Exception;
    }

    private static long shareOf(StampedPeer a, StampedPeer b, java.util.function.Consumer<org.automerge.Transaction> edit,
                                java.util.function.Predicate<org.automerge.Document> arrived) throws Exception {
        b.expect(arrived);
        long sent = a.change(edit);
        long share = b.awaitExpected(WAIT) - sent;
        a.awaitInSync(WAIT);
        b.awaitInSync(WAIT);
        return share;
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
