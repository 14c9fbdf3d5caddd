package io.runtimed.bench;

import io.runtimed.client.NotebookClient;
import io.runtimed.client.SettingsClient;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.sync.notebook.NotebookSnapshot;
import io.runtimed.testkit.Cells;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.Deadline;
import io.runtimed.testkit.JsPeer;
import io.runtimed.testkit.RuntHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 12's soak: JS peers (interop/js/driver.mjs) and Java peers edit settings and notebook
 * rooms of a real daemon that is restarted, cleanly or by kill -9, under them. Counts stalls (a
 * connected peer not settled 30 s after its last change while the daemon is up) and acknowledged
 * changes lost (an id a peer saw acknowledged that a fresh peer does not find after a restart).
 * Figures, never assertions. Modes: soak [minutes] [restartEverySeconds] | pushes [n] [parallel] | kills [n].
 */
public final class SyncSoak {
    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static final Duration JOIN = Duration.ofSeconds(10);
    private static final List<String> ROOMS = List.of("soak-a", "soak-b", "soak-c");
    private static final String SETTINGS = "settings";
    /** A small notebook edit inserts its change id as "<id>" at the start of a cell. */
    private static final Pattern TOKEN = Pattern.compile("<([^<>]+)>");

    private final RuntHome home = RuntHome.temporary("rtsoak");
    private final Path logs = home.root();
    private volatile DaemonProcess daemon;
    /** Bumped just before the daemon goes away: a peer's wait that saw it change is no stall. */
    private final AtomicInteger epoch = new AtomicInteger();
    private final AtomicInteger stalls = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();
    private final List<Long> ackNanos = Collections.synchronizedList(new ArrayList<>());
    /** Document ("settings" or a room) → every change id a peer saw acknowledged in it. */
    private final Map<String, Set<String>> acked = new ConcurrentHashMap<>();
    private final Set<String> lost = ConcurrentHashMap.newKeySet();
    private final List<Editor> editors = new ArrayList<>();
    private int maxBurst = 3;

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "soak";
        int a = args.length > 1 ? Integer.parseInt(args[1]) : -1;
        int b = args.length > 2 ? Integer.parseInt(args[2]) : -1;
        String load = Files.readString(Path.of("/proc/loadavg")).trim().split(" ", 4)[0];
        System.out.printf("runtimed sync soak, mode %s: %d cores (nproc), load average %s, JS peers from %s%n",
                mode, Runtime.getRuntime().availableProcessors(), load, JsPeer.JS_DIR);
        try {
            JsPeer.requireInstalled();
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
        SyncSoak soak = new SyncSoak();
        try {
            soak.daemon = DaemonProcess.start(soak.home);
            switch (mode) {
                case "soak" -> soak.soak(a < 0 ? 10 : a, b < 0 ? 60 : b);
                case "pushes" -> soak.pushes(a < 0 ? 1000 : a, b < 0 ? 3 : b);
                case "kills" -> soak.kills(a < 0 ? 200 : a);
                default -> throw new IllegalArgumentException("mode must be soak, pushes or kills, not " + mode);
            }
        } finally {
            soak.stopEditors();
            if (soak.daemon != null) {
                soak.daemon.close();
            }
            soak.home.close();
        }
        System.exit(0);
    }

    // ---- modes ----

    private void soak(int minutes, int restartEverySeconds) throws Exception {
        long end = System.nanoTime() + minutes * 60_000_000_000L;
        int generation = 0;
        int kills = 0;
        startEditors(ROOMS, true, generation++);
        double[] sameEdit = ackAndPropagationP50();
        long nextRestart = System.nanoTime() + restartEverySeconds * 1_000_000_000L;
        while (nextRestart < end) {
            Thread.sleep(Math.max(0, (nextRestart - System.nanoTime()) / 1_000_000));
            boolean kill = generation % 2 == 0;
            kills += kill ? 1 : 0;
            restart(kill);
            verify(ROOMS, true);
            startEditors(ROOMS, true, generation++);
            nextRestart += restartEverySeconds * 1_000_000_000L;
        }
        Thread.sleep(Math.max(0, (end - System.nanoTime()) / 1_000_000));
        epoch.incrementAndGet();
        stopEditors();
        verify(ROOMS, true);
        System.out.printf("%d restarts (%d clean, %d kill -9), %d changes acknowledged%n",
                generation - 1, generation - 1 - kills, kills, ackedTotal());
        double ack = percentile(ackNanos, 0.5);
        System.out.printf("ack latency (change sent -> acknowledged): p50 %.2f ms, p99 %.2f ms (%d changes)%n",
                ack, percentile(ackNanos, 0.99), ackNanos.size());
        System.out.printf("one-character edits by Java A in a fresh room beside the soak (200 samples): "
                + "A acknowledged p50 %.2f ms, B has it p50 %.2f ms%n", sameEdit[0], sameEdit[1]);
        System.out.printf("soak-wide ack p50 / propagation p50 (bursts against single edits): %.2f%n", ack / sameEdit[1]);
        target("stalls", stalls.get() + "", "0", stalls.get() == 0);
        target("acknowledged changes lost", lost.size() + " of " + ackedTotal(), "0", lost.isEmpty());
        target("ack p50 / propagation p50", String.format("%.2f", sameEdit[0] / sameEdit[1]), "<= 2",
                sameEdit[0] <= 2 * sameEdit[1]);
    }

    private void pushes(int n, int parallel) throws Exception {
        List<Long> nanos = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String room = "push-" + i;
            all.add(CompletableFuture.runAsync(() -> push(room, nanos), pool));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        pool.shutdown();
        System.out.printf("push of 500 cells x 500 chars in 10 changes of 50: p50 %.0f ms, p99 %.0f ms (%d settled)%n",
                percentile(nanos, 0.5), percentile(nanos, 0.99), nanos.size());
        target("stalls (not settled within 30 s)", stalls.get() + " of " + n, "0", stalls.get() == 0);
    }

    private void push(String room, List<Long> nanos) {
        try (JsPeer peer = JsPeer.start(room, logs)) {
            peer.joinNotebook(daemon.socket(), room, JOIN);
            long t0 = System.nanoTime();
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (int c = 0; c < 10; c++) {
                sent.add(peer.addCells(Cells.range("c" + c, 0, 50, 500))); // each sent at once, as LargePushIT
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
            if (Deadline.poll(SETTLE, () -> peer.isSettled() && peer.acked().size() >= 500)) {
                nanos.add(System.nanoTime() - t0);
            } else {
                stall(room + ": not settled within 30 s\n" + peer.describe());
            }
        } catch (RuntimeException | AssertionError e) {
            stall(room + ": " + e.getMessage());
        }
    }

    private void kills(int n) throws Exception {
        maxBurst = 20;
        for (int r = 0; r < n; r++) {
            List<String> room = List.of("kill-" + r);
            startEditors(room, false, r);
            Thread.sleep(ThreadLocalRandom.current().nextInt(200, 1200)); // mid-burst
            restart(true);
            verify(room, false);
        }
        System.out.printf("%d rounds of JS + Java peers bursting into a room, kill -9 mid-burst, restart%n", n);
        target("acknowledged changes lost", lost.size() + " of " + ackedTotal(), "0", lost.isEmpty());
        target("stalls", stalls.get() + "", "0", stalls.get() == 0);
    }

    // ---- the daemon going away and what survives it ----

    private void restart(boolean kill) {
        epoch.incrementAndGet();
        if (kill) {
            daemon.kill9();
        } else {
            daemon.stop();
        }
        stopEditors();
        daemon = daemon.startAgain();
    }

    /** A fresh peer per document must find every id acknowledged in it so far. */
    private void verify(List<String> rooms, boolean settings) throws Exception {
        for (String room : rooms) {
            Set<String> want = acked.getOrDefault(room, Set.of());
            try (NotebookClient fresh = NotebookClient.join(daemon.socket(), room, JOIN, Duration.ZERO)) {
                NotebookSnapshot s = fresh.waitFor(x -> missing(x, want).isEmpty(), JOIN).orElse(fresh.snapshot());
                report(room, missing(s, want));
            }
        }
        if (settings) {
            Set<String> want = acked.getOrDefault(SETTINGS, Set.of());
            try (SettingsClient fresh = SettingsClient.connect(daemon.socket(), JOIN)) {
                fresh.waitUntil(() -> missing(fresh, want).isEmpty(), JOIN);
                report(SETTINGS, missing(fresh, want));
            }
        }
    }

    private void report(String doc, Set<String> missing) {
        missing.removeAll(lost);
        if (!missing.isEmpty()) {
            lost.addAll(missing);
            System.out.printf("LOST in %s after a restart: %d acknowledged changes, e.g. %s%n", doc, missing.size(),
                    missing.iterator().next());
        }
    }

    private static Set<String> missing(NotebookSnapshot s, Set<String> want) {
        Set<String> present = new java.util.HashSet<>();
        for (NotebookCell cell : s.cells()) {
            present.add(cell.id());
            Matcher m = TOKEN.matcher(cell.source());
            while (m.find()) {
                present.add(m.group(1));
            }
        }
        Set<String> missing = new java.util.HashSet<>(want);
        missing.removeAll(present);
        return missing;
    }

    /** Settings ids are "key=n": present while the key holds n or a later value of the same peer. */
    private static Set<String> missing(SettingsClient s, Set<String> want) {
        Set<String> missing = new java.util.HashSet<>();
        for (String id : want) {
            String[] kv = id.split("=");
            if (Long.parseLong(s.get(kv[0]).orElse("-1")) < Long.parseLong(kv[1])) {
                missing.add(id);
            }
        }
        return missing;
    }

    // ---- peers ----

    private void startEditors(List<String> rooms, boolean settings, int generation) {
        for (String room : rooms) {
            add(() -> new JsNotebook(room, "js-" + room + "-" + generation));
            add(() -> new JavaNotebook(room, "java-" + room + "-" + generation));
        }
        if (settings) {
            add(() -> new JsSettings("js-settings-" + generation));
            add(() -> new JavaSettings("java-settings-" + generation));
        }
        editors.forEach(e -> e.thread.start());
    }

    private void add(java.util.concurrent.Callable<Editor> join) {
        try {
            Editor e = join.call();
            e.thread = new Thread(e, e.name);
            editors.add(e);
        } catch (Exception | AssertionError e) {
            stall("a peer could not join: " + e.getMessage());
        }
    }

    private void stopEditors() {
        editors.forEach(e -> e.stop = true);
        for (Editor e : editors) {
            try {
                e.thread.join(60_000);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            e.close();
        }
        editors.clear();
    }

    private void stall(String what) {
        stalls.incrementAndGet();
        System.out.println("STALL " + what);
    }

    private String nextId(String prefix) {
        return prefix + ids.incrementAndGet();
    }

    /** One peer editing one document in its own thread: a burst of changes, then wait until settled. */
    private abstract class Editor implements Runnable {
        final String doc;
        final String name;
        final Map<String, Long> sent = new ConcurrentHashMap<>();
        volatile boolean stop;
        Thread thread;

        Editor(String doc, String name) {
            this.doc = doc;
            this.name = name;
        }

        abstract void change(String id) throws Exception;

        abstract boolean settled() throws Exception;

        abstract void close();

        String newId() {
            return nextId(name.startsWith("js") ? "j" : "v");
        }

        void acked(String id) {
            Long t0 = sent.remove(id);
            if (t0 != null) {
                ackNanos.add(System.nanoTime() - t0);
                acked.computeIfAbsent(doc, d -> ConcurrentHashMap.newKeySet()).add(id);
            }
        }

        @Override
        public void run() {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (!stop) {
                int e = epoch.get();
                try {
                    for (int i = random.nextInt(1, maxBurst + 1); i > 0; i--) {
                        String id = newId();
                        sent.put(id, System.nanoTime());
                        change(id);
                    }
                    if (!Deadline.poll(SETTLE, () -> stop || epoch.get() != e || quietly(this::settled))
                            && epoch.get() == e && !stop) {
                        stall(name + ": not settled within 30 s of its last change");
                    }
                    Thread.sleep(random.nextInt(20, 100));
                } catch (Exception ex) {
                    if (epoch.get() == e && !stop) {
                        stall(name + ": " + ex);
                    }
                    return; // the daemon went away: a new peer replaces this one
                }
                if (epoch.get() != e) {
                    return;
                }
            }
        }
    }

    private interface Check {
        boolean get() throws Exception;
    }

    private static boolean quietly(Check check) {
        try {
            return check.get();
        } catch (Exception e) {
            return false;
        }
    }

    private final class JsNotebook extends Editor {
        final JsPeer peer;
        final String cell;

        JsNotebook(String room, String name) {
            super(room, name);
            peer = JsPeer.start(name, logs);
            peer.onAcked(this::acked);
            peer.joinNotebook(daemon.socket(), room, JOIN);
            cell = "cell-" + name;
            sent.put(cell, System.nanoTime());
            peer.addCells(List.of(new Cells.Cell(cell, "")));
        }

        @Override
        void change(String id) {
            if (ThreadLocalRandom.current().nextInt(5) == 0) {
                peer.addCells(List.of(new Cells.Cell(id, "")));
            } else {
                peer.splice(cell, 0, 0, "<" + id + ">", id);
            }
        }

        @Override
        boolean settled() {
            return peer.isSettled();
        }

        @Override
        void close() {
            peer.close();
        }
    }

    private final class JsSettings extends Editor {
        final JsPeer peer;

        JsSettings(String name) {
            super(SETTINGS, name);
            peer = JsPeer.start(name, logs);
            peer.onAcked(this::acked);
            peer.joinSettings(daemon.socket(), JOIN);
        }

        @Override
        String newId() {
            return "soak.js=" + ids.incrementAndGet();
        }

        @Override
        void change(String id) {
            peer.set("soak.js", id.substring(id.indexOf('=') + 1), id);
        }

        @Override
        boolean settled() {
            return peer.isSettled();
        }

        @Override
        void close() {
            peer.close();
        }
    }

    /** Java peers know their changes acknowledged once awaitSynced returned true. */
    private abstract class JavaEditor extends Editor {
        JavaEditor(String doc, String name) {
            super(doc, name);
        }

        abstract boolean synced(Duration timeout) throws Exception;

        @Override
        boolean settled() throws Exception {
            if (!synced(Duration.ofMillis(100))) {
                return false;
            }
            List.copyOf(sent.keySet()).forEach(this::acked);
            return true;
        }
    }

    private final class JavaNotebook extends JavaEditor {
        final NotebookClient client;
        final String cell;

        JavaNotebook(String room, String name) throws Exception {
            super(room, name);
            client = NotebookClient.join(daemon.socket(), room, JOIN, Duration.ZERO);
            cell = "cell-" + name;
            sent.put(cell, System.nanoTime());
            client.addCell(client.getCells().size(), cell, "code");
        }

        @Override
        void change(String id) throws Exception {
            if (ThreadLocalRandom.current().nextInt(5) == 0) {
                client.addCell(client.getCells().size(), id, "code");
            } else {
                client.spliceSource(cell, 0, 0, "<" + id + ">");
            }
        }

        @Override
        boolean synced(Duration timeout) throws Exception {
            return client.awaitSynced(timeout);
        }

        @Override
        void close() {
            client.close();
        }
    }

    private final class JavaSettings extends JavaEditor {
        final SettingsClient client;

        JavaSettings(String name) throws Exception {
            super(SETTINGS, name);
            client = SettingsClient.connect(daemon.socket(), JOIN);
        }

        @Override
        String newId() {
            return "soak.java=" + ids.incrementAndGet();
        }

        @Override
        void change(String id) throws Exception {
            client.set("soak.java", id.substring(id.indexOf('=') + 1));
        }

        @Override
        boolean synced(Duration timeout) throws Exception {
            return client.awaitSynced(timeout);
        }

        @Override
        void close() {
            client.close();
        }
    }

    // ---- figures ----

    /**
     * The same one-character edits by Java peer A, timed twice: until A's change is acknowledged (heads
     * the daemon announced to A contain it) and until Java peer B has it. 200 samples after 50 warm-up
     * edits, measured while the soak's editors run. Returns {ack p50, propagation p50} in ms.
     */
    private double[] ackAndPropagationP50() throws Exception {
        String room = "soak-propagation";
        List<Long> ack = new ArrayList<>();
        List<Long> propagation = new ArrayList<>();
        try (NotebookClient a = NotebookClient.join(daemon.socket(), room, JOIN, Duration.ZERO);
             NotebookClient b = NotebookClient.join(daemon.socket(), room, JOIN, Duration.ZERO)) {
            a.addCell(0, "p", "code");
            b.waitFor(s -> s.cell("p").isPresent(), JOIN).orElseThrow();
            for (int i = 0; i < 250; i++) {
                int length = i + 1;
                long t0 = System.nanoTime();
                a.spliceSource("p", i, 0, "x");
                if (!a.awaitSynced(JOIN)) {
                    throw new IllegalStateException("an edit was never acknowledged to peer A");
                }
                long acked = System.nanoTime() - t0;
                b.waitFor(s -> s.cell("p").map(c -> c.source().length() == length).orElse(false), JOIN)
                        .orElseThrow(() -> new IllegalStateException("an edit never reached peer B"));
                if (i >= 50) {
                    ack.add(acked);
                    propagation.add(System.nanoTime() - t0);
                }
            }
        }
        return new double[] {percentile(ack, 0.5), percentile(propagation, 0.5)};
    }

    private long ackedTotal() {
        return acked.values().stream().mapToLong(Set::size).sum();
    }

    /** In milliseconds; NaN without samples. */
    private static double percentile(List<Long> nanos, double p) {
        List<Long> sorted;
        synchronized (nanos) {
            sorted = new ArrayList<>(nanos);
        }
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * p))) / 1e6;
    }

    private static void target(String figure, String measured, String target, boolean met) {
        System.out.printf("%-34s %-16s target %-5s %s%n", figure, measured, target, met ? "met" : "MISSED");
    }
}
