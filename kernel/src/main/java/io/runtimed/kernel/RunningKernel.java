package io.runtimed.kernel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kernel the daemon started (KERNELS.md §5): its process group, its sockets (owned by the I/O
 * thread {@code kernel-<short id>-io}), its connection file and registry entry.
 *
 * <p>Threads: any thread may call the methods here. Everything the kernel says is handed to the
 * event thread {@code kernel-<short id>-events}, which runs the {@link KernelListener} and
 * completes {@link #request} futures, one at a time and in arrival order, so that a slow listener
 * never stalls the sockets or the heartbeat for long. One exception: an iopub message that arrives
 * while no earlier event is queued or running runs on the I/O thread itself, still one at a time
 * and in order (a kernel's result then reaches the document without waiting for another thread to
 * be woken and scheduled, which on a busy machine cost more than the listener's own work).
 */
public final class RunningKernel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunningKernel.class);
    static final long HEARTBEAT_INTERVAL_MILLIS = 1000;
    static final int HEARTBEAT_MAX_MISSES = 3;
    static final long INTERRUPT_REPLY_MILLIS = 1000;
    static final long SHUTDOWN_REPLY_MILLIS = 3000;
    static final long TERM_GRACE_MILLIS = 2000;

    private enum State { LAUNCHING, RUNNING, STOPPING, DEAD, CLOSED }

    private final String id;
    private final String session = UUID.randomUUID().toString();
    private final ConnectionFile connectionFile;
    private final KernelRegistry registry;
    private final KernelListener listener;
    private final KernelIo io;
    private final ExecutorService events;
    private final Process process;
    private final ProcessGroup group;
    private final Map<String, CompletableFuture<KernelMessage>> pending = new ConcurrentHashMap<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.LAUNCHING);
    /** Completes when everything of the kernel is released, by whichever path got there. */
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    /** Completed by the first iopub message: the SUB socket's subscription has reached the kernel. */
    private final CompletableFuture<Void> iopubHeard = new CompletableFuture<>();
    private volatile ObjectNode kernelInfo;
    private volatile Thread eventThread;
    /** Events handed over and not yet run to their end (queued for the event thread, or running). */
    private final AtomicInteger eventsPending = new AtomicInteger();
    /** Held while an event runs, on the event thread or on the I/O thread: one at a time. */
    private final ReentrantLock eventRunning = new ReentrantLock();
    /** The I/O thread while it runs an event itself, else null. */
    private volatile Thread inlineThread;

    /**
     * Connects the sockets, then starts the process with {@code spawn} (sockets first: see
     * {@link KernelIo}). Threads start at {@link #start()}. On failure everything is closed again.
     */
    RunningKernel(String id, ConnectionFile connectionFile, KernelRegistry registry, KernelListener listener,
                  ProcessSpawner spawn) throws IOException {
        this.id = id;
        this.connectionFile = connectionFile;
        this.registry = registry;
        this.listener = listener;
        String shortId = id.length() > 8 ? id.substring(0, 8) : id;
        this.io = new KernelIo("kernel-" + shortId + "-io", connectionFile.info(), session, new FromKernel(),
                HEARTBEAT_INTERVAL_MILLIS, HEARTBEAT_MAX_MISSES);
        this.events = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "kernel-" + shortId + "-events");
            t.setDaemon(true);
            eventThread = t;
            return t;
        });
        try {
            this.process = spawn.start();
        } catch (IOException | RuntimeException e) {
            events.shutdown();
            stopIo();
            throw e;
        }
        // setsid execs in place in a child that is not a group leader: pid == pgid
        this.group = new ProcessGroup(process.pid());
    }

    /** Starts the process; the launcher passes the command line. */
    @FunctionalInterface
    interface ProcessSpawner {
        Process start() throws IOException;
    }

    /** Starts the I/O thread and exit detection. */
    void start() {
        io.start();
        process.onExit().thenRun(() -> died("kernel process exited with code " + process.exitValue()));
    }

    /** The kernel answered kernel_info: from now on a death is reported and the heartbeat runs. */
    void ready(ObjectNode info) {
        this.kernelInfo = info;
        state.compareAndSet(State.LAUNCHING, State.RUNNING);
        io.startHeartbeat();
        if (!process.isAlive()) {
            died("kernel process exited with code " + process.exitValue());
        }
    }

    Process process() {
        return process;
    }

    public String id() {
        return id;
    }

    /** The kernel's pid, which is also its process group id. */
    public long pid() {
        return process.pid();
    }

    /** The content of the kernel's {@code kernel_info_reply}. */
    public ObjectNode kernelInfo() {
        return kernelInfo;
    }

    public ConnectionInfo connectionInfo() {
        return connectionFile.info();
    }

    public java.nio.file.Path connectionFile() {
        return connectionFile.path();
    }

    /** Running: launched and neither dead nor shut down. */
    public boolean isAlive() {
        return state.get() == State.RUNNING;
    }

    /**
     * Sends an {@code execute_request} (KERNELS.md §6.2 content) and returns its msg_id; the outputs
     * arrive through {@link KernelListener#onIopub}, the reply through {@link KernelListener#onShellReply}.
     */
    public String execute(String code, boolean silent, boolean storeHistory) {
        ObjectNode content = Json.MAPPER.createObjectNode();
        content.put("code", code);
        content.put("silent", silent);
        content.put("store_history", storeHistory);
        content.putObject("user_expressions");
        content.put("allow_stdin", false);
        content.put("stop_on_error", true);
        KernelMessage message = KernelMessage.request("execute_request", content, session);
        requireAlive();
        io.send(KernelIo.Channel.SHELL, message);
        return message.msgId();
    }

    /**
     * Sends a shell request (complete_request, history_request, …) whose reply completes the
     * future, matched by parent msg_id. The caller chooses the timeout ({@code orTimeout}); the
     * future fails with {@link KernelGoneException} if the kernel goes first.
     */
    public CompletableFuture<KernelMessage> request(String msgType, ObjectNode content) {
        return request(KernelIo.Channel.SHELL, msgType, content);
    }

    private CompletableFuture<KernelMessage> request(KernelIo.Channel channel, String msgType, ObjectNode content) {
        KernelMessage message = KernelMessage.request(msgType, content, session);
        CompletableFuture<KernelMessage> reply = new CompletableFuture<>();
        State now = state.get();
        if (now != State.RUNNING && now != State.LAUNCHING) {
            return CompletableFuture.failedFuture(gone());
        }
        pending.put(message.msgId(), reply);
        reply.whenComplete((r, e) -> pending.remove(message.msgId(), reply));
        io.send(channel, message);
        if (state.get() == State.DEAD || state.get() == State.CLOSED) {
            reply.completeExceptionally(gone()); // raced with a death that already failed the others
        }
        return reply;
    }

    /**
     * Forwards a client-built message (KERNELS.md §7.8 send_comm) on shell with its header as the
     * client wrote it; its reply, if any, goes to {@link KernelListener#onShellReply}.
     */
    public void sendShell(ObjectNode jupyterMessage, List<byte[]> buffers) {
        KernelMessage message = KernelMessage.fromJupyter(jupyterMessage, buffers);
        requireAlive();
        io.send(KernelIo.Channel.SHELL, message);
    }

    /**
     * KERNELS.md §5.8 (ours): {@code interrupt_request} on control; without an
     * {@code interrupt_reply} within a second, SIGINT to the process group. The future completes
     * when one of the two happened (true: the signal was needed).
     */
    public CompletableFuture<Boolean> interrupt() {
        requireAlive();
        return request(KernelIo.Channel.CONTROL, "interrupt_request", Json.MAPPER.createObjectNode())
                .orTimeout(INTERRUPT_REPLY_MILLIS, TimeUnit.MILLISECONDS)
                .handle((reply, failure) -> {
                    if (failure == null) {
                        return false;
                    }
                    if (state.get() == State.RUNNING) {
                        LOG.info("kernel {} did not answer interrupt_request; sending SIGINT to its group", id);
                        group.signal(LibC.SIGINT);
                    }
                    return true;
                });
    }

    /**
     * KERNELS.md §5.8 (ours): {@code shutdown_request {restart:false}} on control, up to 3 s for the
     * process to exit, then SIGTERM to the group, SIGKILL 2 s later; then sockets, threads,
     * connection file and registry entry are released. Idempotent; returns when all is released.
     * Never reports {@link KernelListener#onDeath}.
     */
    public void shutdown() {
        State now = state.get();
        if ((now == State.RUNNING || now == State.LAUNCHING) && state.compareAndSet(now, State.STOPPING)) {
            ObjectNode content = Json.MAPPER.createObjectNode();
            content.put("restart", false);
            io.send(KernelIo.Channel.CONTROL, KernelMessage.request("shutdown_request", content, session));
            stopProcess(SHUTDOWN_REPLY_MILLIS);
            release("kernel was shut down", State.CLOSED);
        }
        released.join();
    }

    @Override
    public void close() {
        shutdown();
    }

    /** A launch that failed: no polite request, the group is killed and everything released. */
    void destroy() {
        if (state.compareAndSet(State.LAUNCHING, State.STOPPING)) {
            stopProcess(0);
            release("kernel did not start", State.CLOSED);
        }
        released.join();
    }

    /**
     * Tests only: lets go of the kernel as a crashing daemon would — threads and sockets end, the
     * process, its connection file and its registry entry stay.
     */
    void abandon() {
        state.set(State.CLOSED);
        stopIo();
        events.shutdownNow();
        released.complete(null);
    }

    /** Waits {@code politeMillis} for the process to go by itself, then TERM, then KILL, to the group. */
    private void stopProcess(long politeMillis) {
        if (!awaitExit(politeMillis)) {
            group.signal(LibC.SIGTERM);
            if (!awaitExit(TERM_GRACE_MILLIS)) {
                LOG.warn("kernel {} ignored SIGTERM; killing its process group", id);
                group.signal(LibC.SIGKILL);
                awaitExit(TERM_GRACE_MILLIS);
            }
        }
        // the leader is gone; whatever it started in its group goes too
        group.signal(LibC.SIGKILL);
    }

    private boolean awaitExit(long millis) {
        try {
            return process.waitFor(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** The process exited or stopped answering heartbeats without being asked to. */
    private void died(String reason) {
        if (!state.compareAndSet(State.RUNNING, State.DEAD)) {
            return; // launching (the launcher sees the exit), stopping, or already dead
        }
        LOG.warn("kernel {} died: {}", id, reason);
        // a hung kernel will not come back; an exited one may have left children in its group
        group.signal(LibC.SIGKILL);
        release(reason, State.DEAD);
        // after release, so the owner that reacts (relaunch, notebook status) finds the files gone
        dispatch(() -> listener.onDeath(reason));
        events.shutdown();
    }

    private void release(String why, State end) {
        stopIo();
        connectionFile.delete();
        registry.remove(id);
        KernelGoneException gone = new KernelGoneException("kernel " + id + " is gone: " + why);
        for (CompletableFuture<KernelMessage> reply : pending.values()) {
            dispatch(() -> reply.completeExceptionally(gone));
        }
        if (end == State.CLOSED) {
            state.set(State.CLOSED);
            events.shutdown();
            if (!onEventThread()) {
                try {
                    events.awaitTermination(2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        released.complete(null);
    }

    private void stopIo() {
        io.stop();
        try {
            if (!io.join(2000)) {
                LOG.debug("kernel {} I/O thread still running", id);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean onEventThread() {
        Thread me = Thread.currentThread();
        return me == eventThread || me == inlineThread;
    }

    private void requireAlive() {
        State now = state.get();
        if (now != State.RUNNING && now != State.LAUNCHING) {
            throw gone();
        }
    }

    private KernelGoneException gone() {
        return new KernelGoneException("kernel " + id + " is not running");
    }

    private void dispatch(Runnable event) {
        eventsPending.incrementAndGet();
        try {
            events.execute(() -> runEvent(event));
        } catch (RejectedExecutionException e) {
            eventsPending.decrementAndGet();
            LOG.debug("kernel {} released; event dropped", id);
        }
    }

    /**
     * On the I/O thread: runs {@code event} right here when no earlier event is queued or running
     * (so it is next in order anyway), else hands it to the event thread as {@link #dispatch} does.
     * An event dispatched meanwhile from another thread waits for this one ({@link #eventRunning}).
     */
    private void dispatchFromIo(Runnable event) {
        if (!eventsPending.compareAndSet(0, 1)) {
            dispatch(event);
            return;
        }
        if (events.isShutdown()) {
            eventsPending.decrementAndGet();
            LOG.debug("kernel {} released; event dropped", id);
            return;
        }
        inlineThread = Thread.currentThread();
        try {
            runEvent(event);
        } finally {
            inlineThread = null;
        }
    }

    private void runEvent(Runnable event) {
        eventRunning.lock();
        try {
            event.run();
        } catch (RuntimeException e) {
            LOG.error("kernel {} listener failed", id, e);
        } finally {
            eventRunning.unlock();
            eventsPending.decrementAndGet();
        }
    }

    /** What the I/O thread hands over: on that thread, so it dispatches (an idle iopub runs there, see above). */
    private final class FromKernel implements KernelIo.Inbound {
        @Override
        public void iopub(KernelMessage message) {
            iopubHeard.complete(null);
            dispatchFromIo(() -> listener.onIopub(message));
        }

        @Override
        public void shell(KernelMessage message) {
            CompletableFuture<KernelMessage> reply = awaited(message);
            if (reply != null) {
                dispatch(() -> reply.complete(message));
            } else {
                dispatch(() -> listener.onShellReply(message));
            }
        }

        @Override
        public void control(KernelMessage message) {
            CompletableFuture<KernelMessage> reply = awaited(message);
            if (reply != null) {
                dispatch(() -> reply.complete(message));
            }
        }

        @Override
        public void heartbeatLost(int misses) {
            died("kernel stopped answering heartbeats (" + misses + " missed)");
        }

        @Override
        public void ioFailed(String reason) {
            died(reason);
        }
    }

    private CompletableFuture<KernelMessage> awaited(KernelMessage message) {
        String parent = message.parentMsgId();
        return parent == null ? null : pending.remove(parent);
    }

    /** Waits for the kernel_info reply for the launcher: the reply, or an exception saying why not. */
    ObjectNode awaitKernelInfo(CompletableFuture<KernelMessage> reply, long millis)
            throws TimeoutException, InterruptedException, ExecutionException {
        CompletableFuture.anyOf(reply, process.onExit()).get(millis, TimeUnit.MILLISECONDS);
        if (!reply.isDone()) {
            return null; // exited first
        }
        return reply.get().content();
    }

    CompletableFuture<Void> iopubHeard() {
        return iopubHeard;
    }

    CompletableFuture<KernelMessage> requestKernelInfo() {
        return request("kernel_info_request", Json.MAPPER.createObjectNode());
    }

    String session() {
        return session;
    }

    @Override
    public String toString() {
        return "kernel " + id + " (pid " + (process == null ? "?" : process.pid()) + ", " + state.get() + ")";
    }
}
