package io.runtimed.bench;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.NotebookClient;
import io.runtimed.client.PoolClient;
import io.runtimed.daemon.Daemon;
import io.runtimed.daemon.DaemonConfig;
import io.runtimed.execution.KernelPool;
import io.runtimed.kernel.KernelLaunchException;
import io.runtimed.kernel.KernelLauncher;
import io.runtimed.kernel.KernelListener;
import io.runtimed.kernel.KernelMessage;
import io.runtimed.kernel.KernelRegistry;
import io.runtimed.kernel.KernelSpec;
import io.runtimed.kernel.RunningKernel;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import io.runtimed.pool.PoolOptions;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.protocol.NotebookResponse;
import io.runtimed.protocol.PooledEnv;
import io.runtimed.sync.notebook.NotebookCell;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Kernel figures (the kernels issue's closing note), each ours against its floor or peer measured
 * in the same run, never assertions: (a) launch to {@code kernel_info_reply} of a fresh kernel in a
 * ready venv (the original's way) against a {@code launch_kernel} served by the running-kernel pool;
 * (b) open a room, launch, run {@code 1+1} until its result is in the document: cold environment,
 * environment pool, kernel pool, each room opened at rest; (c) a {@code 1+1} round trip through the
 * daemon against the same {@code execute_request} sent straight to a kernel (each timed to the call
 * of the code that receives the result: the client's document listener, the kernel listener; each
 * starts with its kernel idle); (d) 100,000 printed lines until the last one is in a second
 * window's document, and the bytes written to disk meanwhile against the output's size.
 *
 * <p>Real ipykernel kernels (Debian's python3-ipykernel) in real venvs, which a stand-in uv builds
 * with {@code python3 -m venv --system-site-packages}, in daemons started in this JVM. Arguments:
 * [launches for (a)] [rooms per configuration for (b)] [round trips for (c)] [lines for (d)]; 0 leaves a section out.
 */
public final class KernelBench {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** How long a first result may take before the bench calls it lost (a 1+1 takes milliseconds). */
    private static final Duration FIRST_RESULT_WAIT = Duration.ofSeconds(3);
    private static final String PYTHON = "/usr/bin/python3";
    private static final AtomicInteger ROOMS = new AtomicInteger();
    /** Executions of (c)'s cell, warm-up included, below IPython's output cache limit (its 1000th result warns). */
    private static final int MAX_EXECUTIONS = 950;
    /** Below this share of the machine busy over 50 ms, (b)'s next room may start. */
    private static final double MACHINE_AT_REST = 0.2;
    /** How long (b)'s next room waits for the machine to come to rest before it is measured anyway. */
    private static final Duration REST_WAIT = Duration.ofSeconds(5);

    private KernelBench() {
    }

    public static void main(String[] args) throws Exception {
        int launches = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int rooms = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int roundTrips = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        int lines = args.length > 3 ? Integer.parseInt(args[3]) : 100_000;
        System.out.printf("runtimed kernel bench: %d cores, load average %s; %d launches, %d rooms per configuration, "
                        + "%d round trips, %d printed lines%n", Runtime.getRuntime().availableProcessors(), loadAverage(),
                launches, rooms, roundTrips, lines);
        long started = System.nanoTime();
        Path home = Files.createTempDirectory("rtkbench");
        try {
            Path uv = StandInUv.writeTo(home.resolve("tools"));
            // one daemon without running kernels (environment pool of 1), one with a kernel pool of 1
            DaemonConfig envConfig = config(home.resolve("env-daemon"), uv, 1, 0);
            DaemonConfig kernelConfig = config(home.resolve("kernel-daemon"), uv, 1, 1);
            try (Daemon envDaemon = Daemon.start(envConfig); Daemon kernelDaemon = Daemon.start(kernelConfig);
                 Floor floor = new Floor(home.resolve("floor"))) {
                awaitQuiet(envDaemon, envConfig, 1, 0);
                awaitQuiet(kernelDaemon, kernelConfig, 1, 1);
                System.out.printf("daemons ready after %.1f s (stand-in uv builds, first kernel start)%n",
                        (System.nanoTime() - started) / 1e9);
                // a count of 0 leaves its section out (to look at one figure)
                if (launches > 0) {
                    launch(floor, kernelDaemon, kernelConfig, launches);
                }
                if (rooms > 0) {
                    rooms(envDaemon, envConfig, kernelDaemon, kernelConfig, rooms);
                }
                if (roundTrips > 0) {
                    atRest(envDaemon, envConfig, kernelDaemon, kernelConfig);
                    roundTrips(floor, kernelDaemon, kernelConfig, roundTrips, 1);
                    atRest(envDaemon, envConfig, kernelDaemon, kernelConfig);
                    roundTrips(floor, kernelDaemon, kernelConfig, roundTrips, 2);
                }
                if (lines > 0) {
                    atRest(envDaemon, envConfig, kernelDaemon, kernelConfig);
                    manyLines(floor, kernelDaemon, kernelConfig, lines);
                }
            }
        } finally {
            deleteTree(home);
        }
        System.out.printf("bench took %.1f s; load average now %s%n", (System.nanoTime() - started) / 1e9, loadAverage());
    }

    // ---- (a) ----------------------------------------------------------------------------------

    /** A fresh kernel in a ready venv (launch to kernel_info_reply) against launch_kernel from the kernel pool. */
    private static void launch(Floor floor, Daemon daemon, DaemonConfig config, int n) throws Exception {
        long[] fresh = new long[n];
        long[] pooled = new long[n];
        int lostFirst = 0;
        List<Long> firstResults = new ArrayList<>();
        for (int i = -1; i < n; i++) { // one of each first, not counted: page cache, JIT
            long t0 = System.nanoTime();
            RunningKernel k = floor.launch();
            long t1 = System.nanoTime();
            boolean lost = !floor.firstResultArrives(k);
            k.shutdown();
            awaitQuiet(daemon, config, 1, 1);
            String id = room();
            long t2;
            long t3;
            try (NotebookClient c = join(config, id)) {
                t2 = System.nanoTime();
                expect(c.kernel().launchKernel("auto", "auto", null), NotebookResponse.KernelLaunched.class);
                t3 = System.nanoTime();
            }
            if (i >= 0) {
                lostFirst += lost ? 1 : 0;
                if (!lost) {
                    firstResults.add(floor.firstNanos);
                }
                fresh[i] = t1 - t0;
                pooled[i] = t3 - t2;
            }
        }
        System.out.println("(a) kernel ready to run code:");
        System.out.printf("    fresh kernel in a ready venv, launch to kernel_info_reply (the original's way): "
                + "p50 %s (min %s)%n", ms(p(fresh, 50)), ms(p(fresh, 0)));
        System.out.printf("    launch_kernel round trip served by the kernel pool:                          "
                + "p50 %s (min %s)%n", ms(p(pooled, 50)), ms(p(pooled, 0)));
        System.out.printf("    ratio: the pool is %.0fx faster (%d launches each)%n",
                (double) p(fresh, 50) / p(pooled, 50), n);
        System.out.printf("    1+1 sent right after KernelLauncher.launch returned: no execute_result on iopub within "
                + "%d s after %d of %d launches; when it came, it took p50 %s (a kernel's first execution)%n",
                FIRST_RESULT_WAIT.toSeconds(), lostFirst, n, firstResults.isEmpty() ? "-"
                        : ms(p(firstResults.stream().mapToLong(Long::longValue).toArray(), 50)));
    }

    // ---- (b) ----------------------------------------------------------------------------------

    /** Open a room, launch, run 1+1 until its execute_result is in the document: three configurations. */
    private static void rooms(Daemon envDaemon, DaemonConfig envConfig, Daemon kernelDaemon, DaemonConfig kernelConfig,
                              int n) throws Exception {
        PoolClient pool = new PoolClient(envConfig.socket());
        // what a launch gets from a daemon whose environment pool is empty
        awaitQuiet(envDaemon, envConfig, 1, 0);
        List<PooledEnv> drained = drain(pool);
        String missAnswer;
        try (NotebookClient c = join(envConfig, room())) {
            missAnswer = c.kernel().launchKernel("auto", "auto", null).toString();
        }
        discard(drained);
        Phases[] cold = new Phases[n];
        Phases[] envs = new Phases[n];
        Phases[] kernels = new Phases[n];
        int[] coldLost = new int[1];
        int[] envLost = new int[1];
        int[] kernelLost = new int[1];
        for (int i = -1; i < n; i++) {
            // cold: the pool has just handed out its environment, so this room's comes from a build started now
            Phases c = counting(coldLost, () -> {
                atRest(envDaemon, envConfig, kernelDaemon, kernelConfig);
                List<PooledEnv> taken = drain(pool);
                try {
                    return openLaunchRun(envConfig, System.nanoTime(), () -> uvAvailable(pool) > 0);
                } finally {
                    discard(taken);
                }
            });
            Phases e = counting(envLost, () -> {
                atRest(envDaemon, envConfig, kernelDaemon, kernelConfig);
                return openLaunchRun(envConfig, System.nanoTime(), null);
            });
            Phases k = counting(kernelLost, () -> {
                atRest(envDaemon, envConfig, kernelDaemon, kernelConfig);
                return openLaunchRun(kernelConfig, System.nanoTime(), null);
            });
            if (i >= 0) {
                cold[i] = c;
                envs[i] = e;
                kernels[i] = k;
            }
        }
        System.out.println("(b) open a room, launch, run 1+1 until its execute_result is in the client's document "
                + "(p50 of " + n + " rooms, each new, each opened with both daemons idle and the machine at rest):");
        System.out.println("    an empty environment pool answers launch_kernel with: " + missAnswer);
        System.out.println("      so 'cold' is the nearest this daemon has: its one pooled environment taken just before,");
        System.out.println("      the window waits for the refill (stand-in uv venv build), then launches");
        Phases.print("cold env (kernel pool 0, env pool drained)", cold);
        Phases.print("env pool (kernel pool 0, envs ready)", envs);
        Phases.print("kernel pool (kernel pool 1, ready)", kernels);
        if (coldLost[0] + envLost[0] + kernelLost[0] > 0) {
            System.out.printf("    rooms whose 1+1 result never reached the document within %d s (then redone in a new "
                            + "room): cold %d, env pool %d, kernel pool %d; the last: %s%n", FIRST_RESULT_WAIT.toSeconds(),
                    coldLost[0], envLost[0], kernelLost[0], lastLoss);
        } else {
            System.out.printf("    every room's 1+1 result reached its document%n");
        }
        long kernelTotal = Phases.p50(kernels, Phases::total);
        System.out.printf("    ratio: kernel pool %.1fx faster than env pool, %.1fx faster than cold; target kernel pool "
                        + "<= 50 ms: %s (%s after the join)%n",
                (double) Phases.p50(envs, Phases::total) / kernelTotal,
                (double) Phases.p50(cold, Phases::total) / kernelTotal, ms(kernelTotal),
                ms(Phases.p50(kernels, p -> p.result - p.joined)));
    }

    /** A room's 1+1 whose result never reached the document. */
    private static final class LostResult extends Exception {
        LostResult(String state) {
            super("1+1 never reached the document; then " + state);
        }
    }

    /** {@code run} again after a lost result (at most 3 times), counting the losses in {@code lost}. */
    private static Phases counting(int[] lost, java.util.concurrent.Callable<Phases> run) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try {
                return run.call();
            } catch (LostResult e) {
                lost[0]++;
                lastLoss = e.getMessage();
                if (attempt == 2) {
                    throw e;
                }
            }
        }
    }

    private static String lastLoss;

    /** (c): when the client's document listener saw a round's result, and the output string it saw. */
    private record Result(long at, String output) {
    }

    /** Times of one room's way to its first result, each from {@code t0}. */
    private record Phases(long joined, long launched, long cellAdded, long cellSynced, long queued, long result) {
        long total() {
            return result;
        }

        static long p50(Phases[] all, java.util.function.ToLongFunction<Phases> f) {
            return p(Arrays.stream(all).mapToLong(f).toArray(), 50);
        }

        static void print(String name, Phases[] all) {
            System.out.printf("    %-42s total %s, after the join %s%n", name, ms(p50(all, Phases::result)),
                    ms(p50(all, p -> p.result - p.joined)));
            System.out.printf("      (from the start, p50: joined %s, launched %s, cell added %s, source set and stored %s, "
                            + "cell_queued %s)%n", ms(p50(all, Phases::joined)), ms(p50(all, Phases::launched)),
                    ms(p50(all, Phases::cellAdded)), ms(p50(all, Phases::cellSynced)), ms(p50(all, Phases::queued)));
        }
    }

    /**
     * A window opens a new room, launches, adds {@code 1+1}, executes it and waits for the result in
     * its document. {@code envReady} non-null: the first launch meets an empty pool (as it must, see
     * the caller), the window waits until an environment is ready and launches again.
     */
    private static Phases openLaunchRun(DaemonConfig config, long t0, BooleanSupplier envReady) throws Exception {
        try (NotebookClient c = join(config, room())) {
            long joined = System.nanoTime() - t0;
            NotebookResponse r = c.kernel().launchKernel("auto", "auto", null);
            if (envReady != null && r instanceof NotebookResponse.Error) {
                // no event announces a pooled environment to a window: poll the pool (5 ms steps)
                await(envReady, "an environment to be built");
                r = c.kernel().launchKernel("auto", "auto", null);
            }
            expect(r, NotebookResponse.KernelLaunched.class);
            long launched = System.nanoTime() - t0;
            c.addCell(0, "c", "code");
            long added = System.nanoTime() - t0;
            c.updateSource("c", "1+1");
            if (!c.awaitSynced(WAIT)) {
                throw new IllegalStateException("the daemon never stored the cell");
            }
            long synced = System.nanoTime() - t0;
            expect(c.kernel().executeCell("c"), NotebookResponse.CellQueued.class);
            long queued = System.nanoTime() - t0;
            if (c.waitFor(s -> s.cell("c").map(cell -> !cell.outputs().isEmpty()).orElse(false), FIRST_RESULT_WAIT)
                    .isEmpty()) {
                throw new LostResult("kernel " + c.kernel().kernelInfo().status() + ", queue "
                        + c.kernel().queueState());
            }
            long result = System.nanoTime() - t0;
            String text = c.resolvedOutputs("c").get(0).path("data").path("text/plain").asText();
            if (!text.equals("2")) {
                throw new IllegalStateException("1+1 gave " + text);
            }
            return new Phases(joined, launched, added, synced, queued, result);
        }
    }

    // ---- (c) ----------------------------------------------------------------------------------

    /**
     * 1+1 through the daemon (request to result in the document, and to execution_done) against the
     * kernel itself, in two windows of {@code n} round trips each after a short warm-up: the first
     * while the JIT still interprets most of the code that runs once per round (HotSpot compiles a
     * method after some 200 calls), the second once it has compiled it.
     *
     * <p>Run twice, each time in a new room with a new kernel and a new floor kernel: {@code pass} 1
     * in a daemon fresh from its start, whose JIT is still compiling the once-per-round code through
     * the whole pass (its compiler threads take a large share of the two cores: printed per
     * window), and pass 2 in the same daemon afterwards, the steady state of a daemon that has been
     * running a while. Pass 2's second window is the figure held against the target.
     */
    private static void roundTrips(Floor floor, Daemon daemon, DaemonConfig config, int n, int pass) throws Exception {
        System.out.printf("(c) pass %d of 2: %s%n", pass, pass == 1
                ? "a daemon fresh from its start (its JIT compiles as the rounds go)"
                : "the same daemon after pass 1, in a new room with a new kernel (the JIT's steady state; "
                        + "this pass's rounds " + (Math.max(20, n / 10) + n + 1) + " on are the figure)");
        awaitQuiet(daemon, config, 1, 1);
        if (2 * n + Math.max(20, n / 10) > MAX_EXECUTIONS) {
            // IPython prints a warning (a stream output) with its 1000th result: the cell would then have two
            n = MAX_EXECUTIONS * 10 / 21;
            System.out.printf("(c) runs twice %d round trips: a kernel's 1000th result comes with a stream output%n", n);
        }
        int warm = Math.max(20, n / 10);
        int measured = 2 * n;
        long[] doc = new long[measured];
        long[] done = new long[measured];
        long[] direct = new long[measured];
        long[] answered = new long[measured];
        long[] floorInputs = new long[measured];
        long[] started = new long[measured];
        long[] output = new long[measured];
        BlockingQueue<Long> doneAt = new LinkedBlockingQueue<>();
        // when this round's broadcasts arrived: execution_started, output (of cell c)
        Map<Class<?>, Long> heard = new ConcurrentHashMap<>();
        // when the result reached the client's document: its change listener's call (on the client's
        // reader thread), as the floor's time is its kernel listener's call (on the kernel's event thread)
        // (and the output it saw, which the next round's result must replace)
        AtomicReference<String> replacing = new AtomicReference<>();
        BlockingQueue<Result> results = new LinkedBlockingQueue<>();
        try (RunningKernel kernel = floor.launch();
             NotebookClient c = join(config, room());
             AutoCloseable listening = c.addBroadcastListener(b -> {
                 long now = System.nanoTime();
                 if (b instanceof NotebookBroadcast.ExecutionDone d && d.cellId().equals("c")) {
                     doneAt.add(now);
                 } else if (b instanceof NotebookBroadcast.ExecutionStarted
                         || b instanceof NotebookBroadcast.Output) {
                     heard.putIfAbsent(b.getClass(), now);
                 }
             });
             AutoCloseable subscribed = c.subscribe(s -> {
                 long now = System.nanoTime();
                 String old = replacing.get();
                 List<String> outputs = s.cell("c").map(NotebookCell::outputs).orElse(List.of());
                 if (old != null && outputs.size() == 1 && !outputs.get(0).equals(old)
                         && replacing.compareAndSet(old, null)) {
                     results.add(new Result(now, outputs.get(0)));
                 }
             })) {
            floor.awaitIopub(kernel);
            expect(c.kernel().launchKernel("auto", "auto", null), NotebookResponse.KernelLaunched.class);
            c.addCell(0, "c", "code");
            c.updateSource("c", "1+1");
            c.awaitSynced(WAIT);
            String previous = "";
            Map<String, Long> cpu0 = null;
            Map<String, Long> sw0 = null;
            long[] jitAt = new long[3];
            for (int i = 0; i < warm + measured; i++) {
                if (i == warm) {
                    jitAt[0] = jitMillis();
                }
                if (i == warm + n) {
                    cpu0 = threadCpu();
                    sw0 = threadSwitches();
                    jitAt[1] = jitMillis();
                }
                long ours;
                long oursDone;
                long floorNanos;
                boolean floorFirst = i % 2 == 1; // interleaved, alternating who goes first
                long f = floorFirst ? floor.roundTrip(kernel) : 0;
                doneAt.clear();
                heard.clear();
                results.clear();
                replacing.set(previous);
                long t0 = System.nanoTime();
                expect(c.kernel().executeCell("c"), NotebookResponse.CellQueued.class);
                long tAnswered = System.nanoTime() - t0;
                Result r = results.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                if (r == null) {
                    throw new IllegalStateException("no new result in round " + i + "; the cell is " + c.snapshot().cell("c"));
                }
                ours = r.at() - t0;
                Long d = doneAt.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                if (d == null) {
                    throw new IllegalStateException("no execution_done");
                }
                oursDone = d - t0;
                previous = r.output();
                floorNanos = floorFirst ? f : floor.roundTrip(kernel);
                long floorInput = floor.lastInputNanos;
                if (i >= warm) {
                    doc[i - warm] = ours;
                    done[i - warm] = oursDone;
                    direct[i - warm] = floorNanos;
                    answered[i - warm] = tAnswered;
                    floorInputs[i - warm] = floorInput;
                    started[i - warm] = heard.getOrDefault(NotebookBroadcast.ExecutionStarted.class, t0) - t0;
                    output[i - warm] = heard.getOrDefault(NotebookBroadcast.Output.class, t0) - t0;
                }
            }
            jitAt[2] = jitMillis();
            printCpu(cpu0, threadCpu(), n);
            printSwitches(sw0, threadSwitches(), n);
            System.out.printf(Locale.ROOT, "    JIT compiling per round trip pair (ms, its compiler threads): %.2f in rounds %d-%d, "
                            + "%.2f in rounds %d-%d%n", (jitAt[1] - jitAt[0]) / (double) n, warm + 1, warm + n,
                    (jitAt[2] - jitAt[1]) / (double) n, warm + n + 1, warm + measured);
        }
        int first = warm + 1;
        System.out.printf("(c) 1+1 round trip, interleaved, after %d warm-up rounds: rounds %d-%d (the JIT still "
                        + "interprets much of the once-per-round code): daemon p50 %s, floor p50 %s, ratio p50 %.2fx, "
                        + "p90 %.2fx%n", warm, first, first + n - 1, ms(p(window(doc, 0, n), 50)),
                ms(p(window(direct, 0, n), 50)), ratio(window(doc, 0, n), window(direct, 0, n), 50),
                ratio(window(doc, 0, n), window(direct, 0, n), 90));
        doc = window(doc, n, measured);
        done = window(done, n, measured);
        direct = window(direct, n, measured);
        answered = window(answered, n, measured);
        floorInputs = window(floorInputs, n, measured);
        started = window(started, n, measured);
        output = window(output, n, measured);
        System.out.printf("(c) rounds %d-%d, %d of each, the steady state (its CPU and sleeps above):%n",
                first + n, first + measured - 1, n);
        System.out.printf("    daemon: execute_cell -> execute_result in the document:  p50 %s  p90 %s "
                        + "(the client's change listener called)%n",
                ms(p(doc, 50)), ms(p(doc, 90)));
        System.out.printf("    daemon: execute_cell -> execution_done broadcast:       p50 %s  p90 %s%n",
                ms(p(done, 50)), ms(p(done, 90)));
        System.out.printf("    daemon, on the way (p50): cell_queued answer %s, execution_started broadcast %s, "
                + "output broadcast %s%n", ms(p(answered, 50)), ms(p(started, 50)), ms(p(output, 50)));
        System.out.printf("    floor: execute_request straight to a kernel -> execute_result on iopub: p50 %s  p90 %s (its kernel listener called; each round trip waits untimed for the idle after it)%n",
                ms(p(direct, 50)), ms(p(direct, 90)));
        System.out.printf("    floor, on the way (p50): execute_input on iopub %s%n", ms(p(floorInputs, 50)));
        System.out.printf("    ratio (document / floor): p50 %.2fx, p90 %.2fx; (execution_done / floor) p50 %.2fx; "
                        + "target <= 1.5x%n", (double) p(doc, 50) / p(direct, 50), (double) p(doc, 90) / p(direct, 90),
                (double) p(done, 50) / p(direct, 50));
    }

    /** Time the JIT's compiler threads spent so far (ms); 0 where the JVM does not say. */
    private static long jitMillis() {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    private static long[] window(long[] all, int from, int to) {
        return Arrays.copyOfRange(all, from, to);
    }

    private static double ratio(long[] ours, long[] floor, int percentile) {
        return (double) p(ours, percentile) / p(floor, percentile);
    }

    // ---- (d) ----------------------------------------------------------------------------------

    /** Many printed lines until the last is in a second window's document; bytes to disk against the output. */
    private static void manyLines(Floor floor, Daemon daemon, DaemonConfig config, int lines) throws Exception {
        awaitQuiet(daemon, config, 1, 1);
        String id = room();
        String code = "for i in range(" + lines + "): print(i)";
        String last = (lines - 1) + "\n";
        long outputSize = 0;
        for (int i = 0; i < lines; i++) {
            outputSize += Integer.toString(i).length() + 1;
        }
        long direct;
        try (RunningKernel kernel = floor.launch()) {
            floor.awaitIopub(kernel);
            direct = floor.untilIdle(kernel, code);
        }
        BlockingQueue<Long> doneAt = new LinkedBlockingQueue<>();
        try (NotebookClient a = join(config, id);
             AutoCloseable listening = a.addBroadcastListener(b -> {
                 if (b instanceof NotebookBroadcast.ExecutionDone d && d.cellId().equals("p")) {
                     doneAt.add(System.nanoTime());
                 }
             })) {
            expect(a.kernel().launchKernel("auto", "auto", null), NotebookResponse.KernelLaunched.class);
            a.addCell(0, "p", "code");
            a.updateSource("p", code);
            a.awaitSynced(WAIT);
            try (NotebookClient b = join(config, id)) {
                b.waitFor(s -> s.cell("p").map(c -> c.source().equals(code)).orElse(false), WAIT).orElseThrow();
                long stored0 = treeBytes(config.blobDir()) + treeBytes(config.notebookDocsDir());
                Map<String, Long> io0 = procIo();
                Map<String, Long> threads0 = threadWriteBytes();
                long t0 = System.nanoTime();
                expect(a.kernel().executeCell("p"), NotebookResponse.CellQueued.class);
                List<String> seen = List.of();
                String text = "";
                int writesSeen = 0;
                int unreadable = 0;
                while (!text.endsWith(last)) {
                    List<String> before = seen;
                    seen = b.waitFor(s -> s.cell("p").map(c -> !c.outputs().isEmpty() && !c.outputs().equals(before))
                                    .orElse(false), WAIT)
                            .flatMap(s -> s.cell("p")).map(NotebookCell::outputs)
                            .orElseThrow(() -> new IllegalStateException("the output stopped growing"));
                    writesSeen++;
                    try {
                        text = streamText(b, seen);
                    } catch (DaemonClientException e) {
                        // a superseded stream version whose blobs the daemon deleted before B could read them
                        unreadable++;
                    }
                }
                long tLast = System.nanoTime() - t0;
                Long d = doneAt.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                long tDone = d == null ? -1 : d - t0;
                long stored1 = treeBytes(config.blobDir()) + treeBytes(config.notebookDocsDir());
                Map<String, Long> io1 = procIo();
                // the document store appends in the background: look again once it has had time
                Thread.sleep(1000);
                long stored2 = treeBytes(config.blobDir()) + treeBytes(config.notebookDocsDir());
                Map<String, Long> io2 = procIo();
                Map<String, Long> threads2 = threadWriteBytes();
                System.out.printf("(d) %s: %d lines, output %d bytes (%d chars)%n", code, lines, outputSize,
                        text.length());
                System.out.printf("    last line in the second window's document after %s (execution_done at %s); "
                        + "window B saw %d versions of the output (%d of them gone from the blob store, HTTP 404, "
                        + "before it could read them), %d output(s) at the end%n",
                        ms(tLast), tDone < 0 ? "never" : ms(tDone), writesSeen, unreadable, seen.size());
                System.out.printf("    floor: the same code straight to a kernel, send to its idle status: %s; "
                        + "ratio %.2fx%n", ms(direct), (double) tLast / direct);
                System.out.printf("    disk, growth of blob store + notebook-docs: %d bytes at the last line, %d bytes "
                        + "1 s later = %.2fx the output%n", stored1 - stored0, stored2 - stored0,
                        (double) (stored2 - stored0) / outputSize);
                if (!threads0.isEmpty()) {
                    long path = 0;
                    Map<String, Long> byThread = new TreeMap<>();
                    for (Map.Entry<String, Long> t : threads2.entrySet()) {
                        if (outputPathThread(t.getKey())) {
                            long grew = t.getValue() - threads0.getOrDefault(t.getKey(), 0L);
                            path += grew;
                            if (grew > 0) {
                                byThread.merge(t.getKey().substring(t.getKey().indexOf(' ') + 1), grew, Long::sum);
                            }
                        }
                    }
                    System.out.printf("    disk, write_bytes of the output path's threads (kernel I/O and events, notebook journals, "
                            + "stream flushes; /proc/self/task/*/io) until 1 s later: %d bytes = %.2fx the output; "
                            + "target <= 2x%n", path, (double) path / outputSize);
                    System.out.printf("      by thread: %s%n", byThread);
                }
                if (io0.containsKey("write_bytes")) {
                    long w = io2.get("write_bytes") - io0.get("write_bytes");
                    long cancelled = io2.get("cancelled_write_bytes") - io0.get("cancelled_write_bytes");
                    System.out.printf("    disk, this JVM's write_bytes (both daemons, /proc/self/io): %d bytes at the last "
                                    + "line, %d bytes 1 s later = %.2fx the output (cancelled_write_bytes %d), "
                                    + "with what the pools' refills wrote meanwhile%n", io1.get("write_bytes") - io0.get("write_bytes"), w,
                            (double) w / outputSize, cancelled);
                } else {
                    System.out.println("    disk, /proc/self/io not readable here");
                }
            }
        }
    }

    /** The stdout stream text of {@code outputs}, resolved through the window's blob client. */
    private static String streamText(NotebookClient client, List<String> outputs) throws DaemonClientException {
        StringBuilder text = new StringBuilder();
        for (String o : outputs) {
            var out = client.outputResolver().resolve(o);
            if (out.path("output_type").asText().equals("stream")) {
                text.append(out.path("text").asText());
            }
        }
        return text.toString();
    }

    // ---- the floor: kernels started and spoken to directly --------------------------------------

    /** A ready venv and a launcher of our own, no daemon: the original's way. */
    private static final class Floor implements AutoCloseable {
        private final KernelLauncher launcher;
        private final Path venv;
        private final Path work;
        private final Map<String, CompletableFuture<Long>> results = new ConcurrentHashMap<>();
        private final Map<String, CompletableFuture<Long>> inputs = new ConcurrentHashMap<>();
        private final Map<String, CompletableFuture<Long>> idles = new ConcurrentHashMap<>();
        /** Of the last {@link #roundTrip}: from the send until execute_input came back on iopub. */
        private long lastInputNanos;
        /** Of the last {@link #firstResultArrives} that arrived: send to execute_result. */
        private long firstNanos;
        private final KernelListener listener = new KernelListener() {
            @Override
            public void onIopub(KernelMessage message) {
                if (message.parentMsgId() == null) {
                    return;
                }
                if (message.msgType().equals("execute_result")) {
                    future(message.parentMsgId()).complete(System.nanoTime());
                } else if (message.msgType().equals("status")
                        && message.content().path("execution_state").asText().equals("idle")) {
                    idles.computeIfAbsent(message.parentMsgId(), k -> new CompletableFuture<>()).complete(System.nanoTime());
                } else if (message.msgType().equals("execute_input")) {
                    inputs.computeIfAbsent(message.parentMsgId(), k -> new CompletableFuture<>()).complete(System.nanoTime());
                }
            }

            @Override
            public void onShellReply(KernelMessage message) {
            }

            @Override
            public void onDeath(String reason) {
            }
        };

        Floor(Path dir) throws IOException, InterruptedException {
            Files.createDirectories(dir);
            this.venv = dir.resolve("venv");
            this.work = Files.createDirectories(dir.resolve("work"));
            run(PYTHON, "-m", "venv", "--without-pip", "--system-site-packages", venv.toString());
            this.launcher = new KernelLauncher(dir.resolve("runtime"), new KernelRegistry(dir.resolve("kernels")));
        }

        RunningKernel launch() throws KernelLaunchException {
            String path = System.getenv("PATH");
            Path bin = venv.resolve("bin");
            KernelSpec spec = KernelSpec.ipykernel(bin.resolve("python"), work,
                    Map.of("VIRTUAL_ENV", venv.toString(), "PATH", path == null ? bin.toString() : bin + ":" + path),
                    null);
            return launcher.launch(spec, "bench-floor", listener);
        }

        /** Send until the execute_result arrives on iopub (on the kernel's event thread). */
        long roundTrip(RunningKernel kernel) throws Exception {
            long t0 = System.nanoTime();
            String msgId = kernel.execute("1+1", false, true);
            long t1 = future(msgId).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            results.remove(msgId);
            // untimed: the kernel finishes the request (execute_reply, idle) before anything else is
            // measured, as the daemon's round ends with its execution_done
            idles.computeIfAbsent(msgId, k -> new CompletableFuture<>()).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            idles.remove(msgId);
            CompletableFuture<Long> input = inputs.remove(msgId);
            lastInputNanos = input != null && input.isDone() ? input.join() - t0 : 0;
            return t1 - t0;
        }

        /** 1+1 straight after the launch: whether its execute_result arrives on iopub (and when: {@link #firstNanos}). */
        boolean firstResultArrives(RunningKernel kernel) throws Exception {
            long t0 = System.nanoTime();
            String msgId = kernel.execute("1+1", false, true);
            try {
                firstNanos = future(msgId).get(FIRST_RESULT_WAIT.toMillis(), TimeUnit.MILLISECONDS) - t0;
                return true;
            } catch (java.util.concurrent.TimeoutException e) {
                return false;
            } finally {
                results.remove(msgId);
            }
        }

        /**
         * Until the kernel's iopub messages reach us: kernel_info requests until one's status
         * message comes back on iopub (what Jupyter clients do after a start), so a lost first
         * output does not stall a figure that is about something else.
         */
        void awaitIopub(RunningKernel kernel) throws Exception {
            for (int i = 0; i < 100; i++) {
                KernelMessage reply = kernel.request("kernel_info_request", io.runtimed.protocol.Json.MAPPER.createObjectNode())
                        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                try {
                    idles.computeIfAbsent(reply.parentMsgId(), k -> new CompletableFuture<>()).get(100,
                            TimeUnit.MILLISECONDS);
                    return;
                } catch (java.util.concurrent.TimeoutException e) {
                    // not subscribed yet: ask again
                } finally {
                    idles.remove(reply.parentMsgId());
                }
            }
            throw new IllegalStateException("the kernel's iopub never reached us");
        }

        /** Send {@code code} until the kernel's idle status for it (all its output has been sent). */
        long untilIdle(RunningKernel kernel, String code) throws Exception {
            long t0 = System.nanoTime();
            String msgId = kernel.execute(code, false, true);
            long t1 = idles.computeIfAbsent(msgId, k -> new CompletableFuture<>()).get(WAIT.toMillis(),
                    TimeUnit.MILLISECONDS);
            idles.remove(msgId);
            return t1 - t0;
        }

        private CompletableFuture<Long> future(String msgId) {
            return results.computeIfAbsent(msgId, k -> new CompletableFuture<>());
        }

        @Override
        public void close() {
        }
    }

    // ---- set-up and helpers -------------------------------------------------------------------

    private static DaemonConfig config(Path home, Path uv, int envPool, int kernelPool) {
        DaemonConfig.Builder b = DaemonConfig.builder(new RuntPaths(BaseDirs.under(home))).poolSizes(envPool, 0)
                .pool(new PoolOptions(uv, null, Path.of(PYTHON), true, null, null, 2, Duration.ofSeconds(1),
                        Duration.ofSeconds(5)));
        b.kernels(b.kernels().withPoolSize(kernelPool).withKeepAlive(Duration.ZERO));
        return b.build();
    }

    /**
     * Until the daemon is idle again: its environment and kernel pools full and no room open (rooms
     * keep no kernel after their last window: keep-alive 0), so one figure's refills do not load the
     * next one's cores.
     */
    private static void awaitQuiet(Daemon daemon, DaemonConfig config, int envs, int kernels) throws Exception {
        PoolClient pool = new PoolClient(config.socket());
        Optional<KernelPool> kernelPool = daemon.kernels().pool();
        await(() -> daemon.notebooks().list().isEmpty()
                && uvAvailable(pool) >= envs
                && kernelPool.map(KernelPool::ready).orElse(0) >= kernels, "the daemon to be idle");
    }

    /**
     * Before each room of (b): both daemons idle with full pools, and the machine too (the other
     * daemon's refill, a venv build, took both cores for a second; a closed room's kernel and
     * environment go away in the background), as when a person opens a notebook.
     */
    private static void atRest(Daemon envDaemon, DaemonConfig envConfig, Daemon kernelDaemon, DaemonConfig kernelConfig)
            throws Exception {
        awaitQuiet(envDaemon, envConfig, 1, 0);
        awaitQuiet(kernelDaemon, kernelConfig, 1, 1);
        long deadline = System.nanoTime() + REST_WAIT.toNanos();
        while (true) {
            long[] a = cpuTicks();
            Thread.sleep(50); // the window the machine's load is measured over
            long[] b = cpuTicks();
            double busy = (double) (b[0] - a[0]) / Math.max(1, b[1] - a[1]);
            if (busy < MACHINE_AT_REST) {
                return;
            }
            if (System.nanoTime() > deadline) {
                System.out.printf("    (the machine stayed %.0f%% busy: measuring anyway)%n", busy * 100);
                return;
            }
        }
    }

    /**
     * /proc/stat's first line: ticks the machine's cores were busy, and all ticks (its first eight
     * columns: guest time, the last two, is counted in user and nice already).
     */
    private static long[] cpuTicks() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] {total - idle, total};
    }

    private static int uvAvailable(PoolClient pool) {
        try {
            return pool.status().uvAvailable();
        } catch (DaemonClientException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A deadline loop in 5 ms steps: the daemon announces neither pool refills nor closed rooms. */
    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("gave up waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private static List<PooledEnv> drain(PoolClient pool) throws DaemonClientException {
        List<PooledEnv> taken = new ArrayList<>();
        for (Optional<PooledEnv> e = pool.take(EnvType.UV); e.isPresent(); e = pool.take(EnvType.UV)) {
            taken.add(e.get());
        }
        return taken;
    }

    /** Environments the bench took are the bench's: deleted. */
    private static void discard(List<PooledEnv> envs) throws IOException {
        for (PooledEnv e : envs) {
            deleteTree(Path.of(e.venvPath()));
        }
    }

    private static NotebookClient join(DaemonConfig config, String id) throws DaemonClientException {
        return NotebookClient.join(config.socket(), id);
    }

    private static String room() {
        return "kernel-bench-" + ROOMS.incrementAndGet();
    }

    private static <T extends NotebookResponse> T expect(NotebookResponse r, Class<T> type) {
        if (!type.isInstance(r)) {
            throw new IllegalStateException("expected " + type.getSimpleName() + ", the daemon answered " + r);
        }
        return type.cast(r);
    }

    private static long p(long[] values, int percentile) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) (sorted.length * percentile / 100.0))];
    }

    private static String ms(long nanos) {
        return String.format("%.2f ms", nanos / 1e6);
    }

    /** CPU time of every live thread of this JVM, by name (threads of one name summed). */
    private static java.util.Map<String, Long> threadCpu() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.Map<String, Long> byName = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null) {
                long c = mx.getThreadCpuTime(t.getThreadId());
                if (c > 0) {
                    byName.merge(t.getThreadName().replaceAll("\\d+", "N"), c, Long::sum);
                }
            }
        }
        return byName;
    }

    /** Voluntary context switches (sleeps) by thread name, from /proc/self/task. */
    private static Map<String, Long> threadSwitches() {
        Map<String, Long> byName = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(t.resolve("comm")).trim().replaceAll("\\d+", "N");
                    for (String line : Files.readAllLines(t.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            byName.merge(name, Long.parseLong(line.substring(line.indexOf(':') + 1).trim()), Long::sum);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended
                }
            }
        } catch (IOException e) {
            // no /proc: no figures
        }
        return byName;
    }

    private static void printSwitches(Map<String, Long> before, Map<String, Long> after, int n) {
        printPerThread("sleeps (voluntary context switches) per round trip pair, this JVM", before, after, n, 1, "%.1f", 14);
    }

    private static void printCpu(java.util.Map<String, Long> before, java.util.Map<String, Long> after, int n) {
        printPerThread("CPU per round trip pair (ms), this JVM's threads", before, after, n, 1e6, "%.2f", 12);
    }

    /** {@code label}: the growth from {@code before} to {@code after} per round, in all and by thread (the {@code top} largest). */
    private static void printPerThread(String label, Map<String, Long> before, Map<String, Long> after,
                                       int n, double unit, String format, int top) {
        java.util.List<java.util.Map.Entry<String, Long>> d = new ArrayList<>();
        long total = 0;
        for (var e : after.entrySet()) {
            long v = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            total += v;
            d.add(java.util.Map.entry(e.getKey(), v));
        }
        d.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
        StringBuilder byThread = new StringBuilder();
        for (int i = 0; i < Math.min(top, d.size()); i++) {
            byThread.append(' ').append(d.get(i).getKey()).append(' ')
                    .append(String.format(Locale.ROOT, format, d.get(i).getValue() / unit / n));
        }
        System.out.printf(Locale.ROOT, "    %s: " + format + ";%s%n", label, total / unit / n, byThread);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** {@code /proc/self/io}: rchar, wchar, syscr, syscw, read_bytes, write_bytes, cancelled_write_bytes. */
    private static Map<String, Long> procIo() {
        Map<String, Long> out = new java.util.HashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
                String[] kv = line.split(":\\s*");
                out.put(kv[0], Long.parseLong(kv[1].trim()));
            }
        } catch (IOException | RuntimeException e) {
            out.clear();
        }
        return out;
    }

    /** write_bytes per live thread of this JVM, keyed by tid and name (Linux truncates names to 15 characters). */
    private static Map<String, Long> threadWriteBytes() {
        Map<String, Long> out = new java.util.HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String name = Files.readString(task.resolve("comm")).trim();
                    for (String line : Files.readAllLines(task.resolve("io"))) {
                        if (line.startsWith("write_bytes:")) {
                            out.put(task.getFileName() + " " + name, Long.parseLong(line.substring(12).trim()));
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            out.clear();
        }
        return out;
    }

    /** A kernel's I/O and event threads ({@code kernel-<id>-…}), a notebook's journal writer, the stream flusher. */
    private static boolean outputPathThread(String tidAndName) {
        String name = tidAndName.substring(tidAndName.indexOf(' ') + 1);
        return (name.startsWith("kernel-") && !name.startsWith("kernel-pool")) || name.startsWith("notebook-")
                || name.startsWith("output-flush");
    }

    private static long treeBytes(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // deleted meanwhile
                }
            }).sum();
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
