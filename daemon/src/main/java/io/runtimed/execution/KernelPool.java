package io.runtimed.execution;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.kernel.KernelLaunchException;
import io.runtimed.kernel.KernelListener;
import io.runtimed.kernel.KernelMessage;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kernels already running in pooled environments, past their {@code kernel_info_reply} and with
 * the settings' modules imported, so that a launch only has to point one at its notebook's
 * directory (beyond the original, which starts every kernel on demand). One thread keeps the pool
 * at its size: it waits for an environment when the environment pool is empty, replaces a spare
 * that dies, and backs off after a failed start. A spare is handed out once and never comes back,
 * so no notebook ever gets a kernel another notebook used.
 */
public final class KernelPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KernelPool.class);
    private static final Pattern MODULE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*");
    private static final Duration PREIMPORT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(30);
    /**
     * After a hand-out the replacement waits until the notebook's first cell has run (starting a
     * kernel takes a core for a second, which the first cell would otherwise share), at most this long.
     */
    static final Duration REFILL_HOLD = Duration.ofSeconds(3);
    /** Spares run in a neutral directory until a notebook takes one. */
    private final Path idleDirectory;
    private final KernelStarter starter;
    private final IntSupplier size;
    private final Supplier<List<String>> preimports;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    // guarded by lock
    private final ArrayDeque<StartedKernel> spares = new ArrayDeque<>();
    private boolean closed;
    private boolean poked;
    /** The filler is starting a kernel now. */
    private boolean starting;
    /** System.nanoTime() before which no replacement starts (0: none held back). */
    private long holdUntil;
    private Thread filler;

    public KernelPool(KernelStarter starter, Path idleDirectory, IntSupplier size, Supplier<List<String>> preimports) {
        this.starter = starter;
        this.idleDirectory = idleDirectory;
        this.size = size;
        this.preimports = preimports;
    }

    public void start() {
        lock.lock();
        try {
            filler = new Thread(this::fillLoop, "kernel-pool");
            filler.setDaemon(true);
            filler.start();
        } finally {
            lock.unlock();
        }
    }

    /** Something the filler waits for happened (an environment joined its pool, the size changed). */
    public void poke() {
        lock.lock();
        try {
            poked = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public int ready() {
        lock.lock();
        try {
            return spares.size();
        } finally {
            lock.unlock();
        }
    }

    /** The process ids of the kernels ready now, oldest first. */
    public List<Long> readyPids() {
        lock.lock();
        try {
            return spares.stream().map(s -> s.kernel().pid()).toList();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A running kernel of {@code type}, now in {@code workingDirectory}, or empty when none is ready
     * (the caller starts one itself). The pool starts a replacement in the background.
     */
    Optional<StartedKernel> take(EnvType type, Path workingDirectory) {
        if (type != EnvType.UV) {
            return Optional.empty();
        }
        while (true) {
            StartedKernel spare;
            lock.lock();
            try {
                spare = spares.pollFirst();
                if (spare != null) {
                    holdUntil = System.nanoTime() + REFILL_HOLD.toNanos();
                }
                poked = true;
                wake.signalAll();
            } finally {
                lock.unlock();
            }
            if (spare == null) {
                return Optional.empty();
            }
            if (spare.events().dead() || !spare.kernel().isAlive()) {
                spare.environment().delete();
                continue;
            }
            // the working directory moves with a silent execute: no output, no execution count
            spare.kernel().execute("__import__('os').chdir(" + Json.MAPPER.valueToTree(workingDirectory.toString())
                    + ")", true, false);
            LOG.info("handed out running kernel {} for {}", spare.kernel().id(), workingDirectory);
            return Optional.of(spare.withAfterFirstCell(this::releaseHold));
        }
    }

    /** The notebook that took a kernel has run its first cell: the replacement may start now. */
    private void releaseHold() {
        lock.lock();
        try {
            holdUntil = 0;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void fillLoop() {
        try {
            fill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void fill() throws InterruptedException {
        while (true) {
            lock.lock();
            try {
                while (!closed && !poked && spares.size() >= size.getAsInt()) {
                    wake.awaitUninterruptibly();
                }
                long held;
                while (!closed && (held = holdUntil - System.nanoTime()) > 0 && holdUntil != 0) {
                    wake.awaitNanos(held);
                }
                if (closed) {
                    return;
                }
                poked = false;
                if (spares.size() >= size.getAsInt()) {
                    trimTo(size.getAsInt());
                    continue;
                }
            } finally {
                lock.unlock();
            }
            boolean noEnvironment = false;
            boolean failed = false;
            setStarting(true);
            try {
                StartedKernel spare = starter.start(EnvType.UV, idleDirectory, null);
                spare.events().attach(new SpareWatch(spare));
                warmUp(spare);
                if (!offer(spare)) {
                    spare.discard();
                    return;
                }
                LOG.info("kernel {} ready in the pool", spare.kernel().id());
            } catch (PoolEmptyException e) {
                noEnvironment = true;
            } catch (KernelLaunchException | RuntimeException e) {
                LOG.warn("could not start a kernel for the pool: {}", e.getMessage());
                failed = true;
            } finally {
                setStarting(false);
            }
            if (noEnvironment) {
                waitForPoke(null); // an environment joining its pool pokes us
            } else if (failed) {
                waitForPoke(RETRY_AFTER_FAILURE);
            }
        }
    }

    /**
     * Runs the spare's first execution here: the settings' imports, then an expression whose value
     * goes through the display hook. A kernel's first execute_request, and its first displayed
     * result, cost it tens of milliseconds (ipykernel's and IPython's first-run set-up), which a
     * notebook's first cell would otherwise pay: measured on ipykernel 6, a first {@code 1+1} after a
     * silent {@code pass} took 12–37 ms, after this 6–7 ms. Not silent (silent skips the display
     * hook) but without history, so the execution count stays where it was: the notebook's first
     * cell is still [1]. What it publishes on iopub belongs to no cell and is dropped.
     */
    private void warmUp(StartedKernel spare) {
        List<String> modules = preimports.get().stream().filter(m -> MODULE.matcher(m).matches()).toList();
        ObjectNode content = Json.MAPPER.createObjectNode();
        content.put("code", (modules.isEmpty() ? "" : "import " + String.join(", ", modules) + "\n") + "0");
        content.put("silent", false);
        content.put("store_history", false);
        content.putObject("user_expressions");
        content.put("allow_stdin", false);
        content.put("stop_on_error", false);
        try {
            KernelMessage reply = spare.kernel().request("execute_request", content)
                    .get(PREIMPORT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!"ok".equals(reply.content().path("status").asText())) {
                LOG.warn("pre-importing {} failed: {} {}", modules, reply.content().path("ename").asText(),
                        reply.content().path("evalue").asText());
            }
        } catch (Exception e) {
            LOG.warn("warming up a pooled kernel ({}) failed: {}", modules, e.toString());
        }
    }

    private void setStarting(boolean now) {
        lock.lock();
        try {
            starting = now;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * When none is ready but one is being started (its environment already taken, so starting
     * another would find the environment pool empty): waits up to {@code timeout} for it.
     */
    Optional<StartedKernel> awaitStarting(EnvType type, Path workingDirectory, Duration timeout) {
        if (type != EnvType.UV) {
            return Optional.empty();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (spares.isEmpty() && starting && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                wake.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
        return take(type, workingDirectory);
    }

    private boolean offer(StartedKernel spare) {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            spares.addLast(spare);
            wake.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: the size went down; the extra spares stop (in the background). */
    private void trimTo(int n) {
        while (spares.size() > n) {
            StartedKernel extra = spares.pollLast();
            Thread t = new Thread(extra::discard, "kernel-pool-trim");
            t.setDaemon(true);
            t.start();
        }
    }

    private void waitForPoke(Duration timeout) {
        lock.lock();
        try {
            if (timeout == null) {
                while (!closed && !poked) {
                    wake.awaitUninterruptibly();
                }
            } else if (!closed && !poked) {
                wake.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the filler and every spare, in parallel. */
    @Override
    public void close() {
        List<StartedKernel> left;
        Thread f;
        lock.lock();
        try {
            closed = true;
            wake.signalAll();
            left = new ArrayList<>(spares);
            spares.clear();
            f = filler;
        } finally {
            lock.unlock();
        }
        Parallel.run(left, StartedKernel::discard);
        if (f != null) {
            try {
                f.join(10_000); // a start in flight ends within its launch timeout and is discarded
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A spare that dies in the pool is dropped and replaced (its other events are nobody's). */
    private final class SpareWatch implements KernelListener {
        private final StartedKernel spare;

        SpareWatch(StartedKernel spare) {
            this.spare = spare;
        }

        @Override
        public void onDeath(String reason) {
            boolean removed;
            lock.lock();
            try {
                removed = spares.remove(spare);
                poked = true;
                wake.signalAll();
            } finally {
                lock.unlock();
            }
            if (removed) {
                LOG.warn("pooled kernel {} died ({}); replacing it", spare.kernel().id(), reason);
                spare.environment().delete();
            }
        }
    }
}
