package io.runtimed.bench;

import io.runtimed.client.NotebookClient;
import io.runtimed.client.PoolClient;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RuntHome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Resident memory of the daemon (issue 16, part 3), started through {@code bin/runtimed} as a user
 * starts it (empty pools, no kernels), in a private temporary home:
 * <ul>
 *   <li>idle: 2 s after it is ready, against the floor measured in the same run: a bare JVM with
 *       the daemon's own JVM options ({@link IdleJvm}, read from the daemon's command line) that
 *       only sleeps, also 2 s after it is up;</li>
 *   <li>rooms: {@code rooms} notebooks open at once, each filled by its own real peer over the
 *       socket with {@code cells} cells of {@code chars} characters; the resident memory once every
 *       peer's edits are stored, the process's peak (VmHWM) and what that is per room;</li>
 *   <li>after: every peer leaves; a room without a kernel is evicted at once (KERNELS.md §4.4 keeps
 *       only rooms whose kernel runs), so the clock starts when the daemon lists no room any more,
 *       and the resident memory is read every second up to 10 s after that, against idle.</li>
 * </ul>
 * Start to first pong is printed too, so that memory is never bought with start time unseen.
 * Figures, never assertions; Linux only (/proc). Usage:
 * {@code bin/runtimed-memory-bench [runs] [rooms] [cells] [chars]} (default 3 20 50 500).
 */
public final class MemoryBench {
    private static final Duration READY = Duration.ofSeconds(30);
    private static final Duration SYNCED = Duration.ofSeconds(120);
    private static final long SETTLE_MILLIS = 2_000;
    private static final int AFTER_SECONDS = 10;

    private MemoryBench() {
    }

    /** One run's figures, in KiB and milliseconds. */
    private record Run(double startMillis, long floorKb, long idleKb, long openKb, long peakKb, long[] afterKb) {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int rooms = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int cells = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        int chars = args.length > 3 ? Integer.parseInt(args[3]) : 500;
        Path launcher = Path.of(System.getenv().getOrDefault("RUNTIMED_LAUNCHER",
                System.getProperty("runtimed.launcher", "bin/runtimed"))).toAbsolutePath();
        if (!Files.isExecutable(launcher)) {
            System.err.println("launcher not found: " + launcher + " (run from the repository root after mvn package)");
            System.exit(2);
        }
        if (!Files.isReadable(Path.of("/proc/self/status"))) {
            System.err.println("the memory bench reads /proc: Linux only");
            System.exit(2);
        }
        System.out.printf("runtimed memory bench: %s, %d runs, %d rooms x %d cells x %d chars, %d cores%n",
                launcher, runs, rooms, cells, chars, Runtime.getRuntime().availableProcessors());
        if (System.getenv("RUNTIMED_JAVA_OPTS") != null) {
            System.out.println("RUNTIMED_JAVA_OPTS=" + System.getenv("RUNTIMED_JAVA_OPTS"));
        }
        List<Run> all = new ArrayList<>();
        for (int i = 1; i <= runs; i++) {
            Run r = run(launcher, rooms, cells, chars);
            all.add(r);
            System.out.printf("run %d: start to first pong %.0f ms | floor %.1f MB, idle %.1f MB (%.2fx floor)"
                            + " | %d rooms open %.1f MB, peak %.1f MB, %.1f MB/room (peak - idle)"
                            + " | %d s after the last room left %.1f MB (%.2fx idle)%n",
                    i, r.startMillis(), mb(r.floorKb()), mb(r.idleKb()), (double) r.idleKb() / r.floorKb(),
                    rooms, mb(r.openKb()), mb(r.peakKb()), mb(r.peakKb() - r.idleKb()) / rooms,
                    AFTER_SECONDS, mb(r.afterKb()[AFTER_SECONDS - 1]),
                    (double) r.afterKb()[AFTER_SECONDS - 1] / r.idleKb());
            StringBuilder curve = new StringBuilder("       after the last room left, MB per second:");
            for (long kb : r.afterKb()) {
                curve.append(String.format(" %.0f", mb(kb)));
            }
            System.out.println(curve);
        }
        summary("start to first pong (ms)", all.stream().mapToDouble(Run::startMillis).toArray());
        summary("floor: bare JVM, same flags (MB)", all.stream().mapToDouble(r -> mb(r.floorKb())).toArray());
        summary("idle, 2 s after ready (MB)", all.stream().mapToDouble(r -> mb(r.idleKb())).toArray());
        summary(rooms + " rooms open (MB)", all.stream().mapToDouble(r -> mb(r.openKb())).toArray());
        summary("peak (MB)", all.stream().mapToDouble(r -> mb(r.peakKb())).toArray());
        summary("per room, peak - idle (MB)", all.stream().mapToDouble(r -> mb(r.peakKb() - r.idleKb()) / rooms).toArray());
        summary(AFTER_SECONDS + " s after the last room left (MB)",
                all.stream().mapToDouble(r -> mb(r.afterKb()[AFTER_SECONDS - 1])).toArray());
        summary("  ... as a ratio of idle", all.stream()
                .mapToDouble(r -> (double) r.afterKb()[AFTER_SECONDS - 1] / r.idleKb()).toArray());
    }

    private static Run run(Path launcher, int rooms, int cells, int chars) throws Exception {
        try (RuntHome home = RuntHome.temporary("rtmembench");
             DaemonProcess d = DaemonProcess.in(home).launcher(launcher).readyWithin(READY)
                     .pollEvery(Duration.ofNanos(500_000)).start()) {
            double start = d.startToFirstPong().toNanos() / 1e6;
            Thread.sleep(SETTLE_MILLIS);
            long idle = Status.of(d.pid()).rssKb();
            long floor = floor(d.pid());
            List<NotebookClient> peers = fill(d.socket(), rooms, cells, chars);
            Status open = Status.of(d.pid());
            long[] after = afterLeaving(d, peers);
            d.stop();
            return new Run(start, floor, idle, open.rssKb(), open.peakKb(), after);
        }
    }

    /**
     * Opens the rooms, each joined by its own peer (four at a time) that writes every cell, and
     * returns once the daemon has stored every room's edits; the peers stay connected.
     */
    private static List<NotebookClient> fill(Path socket, int rooms, int cells, int chars) throws Exception {
        ExecutorService joining = Executors.newFixedThreadPool(4);
        List<NotebookClient> open = new ArrayList<>();
        try {
            List<Future<NotebookClient>> joined = new ArrayList<>();
            for (int i = 0; i < rooms; i++) {
                int room = i;
                joined.add(joining.submit(() -> fillOne(socket, "memory-bench-" + room, cells, chars, room)));
            }
            for (Future<NotebookClient> f : joined) {
                open.add(f.get(SYNCED.toSeconds(), TimeUnit.SECONDS));
            }
            return open;
        } catch (Exception e) {
            open.forEach(NotebookClient::close);
            throw e;
        } finally {
            joining.shutdown();
        }
    }

    private static NotebookClient fillOne(Path socket, String id, int cells, int chars, int seed) throws Exception {
        NotebookClient c = NotebookClient.join(socket, id, Duration.ofSeconds(5), Duration.ZERO);
        // seeded pseudo-code, different in every cell (repeated text would be unrealistically cheap)
        Random random = new Random(seed);
        String alphabet = "abcdefghijklmnopqrstuvwxyz_ =()[]:.,0123456789\né";
        for (int i = 0; i < cells; i++) {
            StringBuilder source = new StringBuilder(chars);
            for (int k = 0; k < chars; k++) {
                source.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String cell = "cell-" + i;
            c.addCell(i, cell, "code");
            c.updateSource(cell, source.toString());
        }
        if (!c.awaitSynced(SYNCED)) {
            throw new IllegalStateException(id + ": the daemon did not store the edits within " + SYNCED);
        }
        return c;
    }

    /** Every peer leaves; from the moment no room is listed, the resident memory once a second. */
    private static long[] afterLeaving(DaemonProcess d, List<NotebookClient> peers) throws Exception {
        peers.forEach(NotebookClient::close);
        PoolClient client = d.client();
        long deadline = System.nanoTime() + SYNCED.toNanos();
        while (!client.listRooms().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("rooms still open " + SYNCED + " after their peers left: "
                        + client.listRooms());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        long evicted = System.nanoTime();
        long[] kb = new long[AFTER_SECONDS];
        for (int s = 1; s <= AFTER_SECONDS; s++) {
            long due = evicted + TimeUnit.SECONDS.toNanos(s);
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            kb[s - 1] = Status.of(d.pid()).rssKb();
        }
        return kb;
    }

    /**
     * A bare JVM with the daemon's JVM options (its command line up to the class path), sleeping:
     * its resident memory 2 s after it is up. The daemon's class-data archive is left out (it fits
     * only the daemon's class path; the JVM maps its own default archive instead).
     */
    private static long floor(long daemonPid) throws Exception {
        List<String> daemon = Arrays.asList(new String(Files.readAllBytes(Path.of("/proc", Long.toString(daemonPid),
                "cmdline")), StandardCharsets.UTF_8).split("\0"));
        int cp = daemon.indexOf("-cp");
        if (cp < 0) {
            throw new IllegalStateException("no -cp in the daemon's command line: " + daemon);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(daemon.get(0));
        for (String option : daemon.subList(1, cp)) {
            cmd.add(option.startsWith("-XX:SharedArchiveFile=") ? "-Xshare:auto" : option);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), IdleJvm.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.equals(IdleJvm.READY)) {
                // options the JVM complains about would show here
                System.out.println("floor JVM: " + line);
            }
            if (line == null) {
                throw new IllegalStateException("the floor JVM ended early: " + cmd);
            }
            Thread.sleep(SETTLE_MILLIS);
            return Status.of(p.pid()).rssKb();
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** /proc/PID/status: resident memory now and at its peak. */
    private record Status(long rssKb, long peakKb) {
        static Status of(long pid) throws IOException {
            long rss = -1;
            long peak = -1;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kb(line);
                } else if (line.startsWith("VmHWM:")) {
                    peak = kb(line);
                }
            }
            if (rss < 0 || peak < 0) {
                throw new IOException("no VmRSS/VmHWM for pid " + pid);
            }
            return new Status(rss, peak);
        }

        private static long kb(String line) {
            return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
    }

    private static double mb(long kb) {
        return kb / 1024.0;
    }

    private static void summary(String what, double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        System.out.printf("%-40s median %8.1f, min %8.1f, max %8.1f (%d runs)%n", what + ":", v[v.length / 2], v[0],
                v[v.length - 1], v.length);
    }
}
