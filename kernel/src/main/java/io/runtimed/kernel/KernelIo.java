package io.runtimed.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The one thread that owns a kernel's ZeroMQ sockets (they are not thread-safe): iopub SUB, shell
 * and control DEALERs, heartbeat REQ. It sleeps in one NIO {@link Selector} on which the sockets'
 * ZeroMQ file descriptors are registered once; other threads queue work and wake the selector, so a
 * send is picked up within microseconds — there is no timed polling. The only timeout is the next
 * heartbeat.
 *
 * <p>Not {@link ZMQ.Poller}: JeroMQ's poll registers every socket anew on each call (maps built
 * and dropped per wake-up), which cost more CPU than everything else on a kernel's message path.
 * A ZeroMQ descriptor only says "look again" (it is edge-like, and a send on the same socket may
 * consume the signal of a message that arrived), so a socket that was ready or sent on is drained
 * until it has nothing more, after the queued sends ran; iopub, whose listener may run on this
 * thread, in slices of {@link #IOPUB_PER_TURN}, the loop turning at once until it is empty.
 *
 * <p>A send from another thread goes out on that thread when the I/O thread is not using the
 * sockets at that moment ({@link #sockets}): the request then reaches ZeroMQ without waiting for
 * the I/O thread to wake up and be scheduled, which on a busy machine took longer than the rest of
 * the daemon's work before the send. Otherwise it is queued for the I/O thread as before.
 */
final class KernelIo {
    private static final Logger LOG = LoggerFactory.getLogger(KernelIo.class);

    enum Channel { SHELL, CONTROL }

    /** iopub messages taken in one turn of the loop at most, before the queued sends, replies and heartbeat. */
    static final int IOPUB_PER_TURN = 32;

    /**
     * What arrives, called on the I/O thread: implementations hand it on, or do no more than a
     * listener may (never wait for this thread, see {@link RunningKernel}).
     */
    interface Inbound {
        void iopub(KernelMessage message);

        void shell(KernelMessage message);

        void control(KernelMessage message);

        /** {@code maxMisses} pings in a row went unanswered. Heartbeats stop after this. */
        void heartbeatLost(int misses);

        /** The I/O thread ended on an error of ours: the kernel can no longer be reached. */
        void ioFailed(String reason);
    }

    private final ZContext context = new ZContext(1);
    private final ZMQ.Socket iopub;
    private final ZMQ.Socket shell;
    private final ZMQ.Socket control;
    private final ZMQ.Socket hb;
    private final Selector selector;
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final WireCodec codec;
    private final Inbound inbound;
    private final Thread thread;
    private volatile boolean stopping;
    /**
     * Held by whichever thread uses the sockets: the I/O thread for each turn of its loop (not while
     * it sleeps in the selector), a sending thread for its send. ZeroMQ sockets may change threads
     * between uses, given the memory barrier this lock provides.
     */
    private final ReentrantLock sockets = new ReentrantLock();
    /** The I/O thread registered the sockets and has not closed them: direct sends are allowed. Under {@link #sockets}. */
    private boolean open;

    // heartbeat state, I/O thread only
    private final long hbIntervalNanos;
    private final int hbMaxMisses;
    private boolean hbActive;
    private boolean hbAwaiting;
    private int hbMisses;
    private long hbNextTick;
    private long hbSequence;
    // which sockets to drain in this turn of the loop (ready, or sent on): set by the selector on the
    // I/O thread, or by a direct send under the lock; read and cleared under the lock
    private boolean iopubSignalled;
    private boolean shellSignalled;
    private boolean controlSignalled;
    private boolean hbSignalled;

    /**
     * Connects every socket now, on the caller's thread, before the kernel is spawned: ZeroMQ
     * connects lazily and retries, so iopub is subscribed by the time the kernel publishes its
     * first status and no startup sleep is needed (the reference sleeps 500 ms and loses those).
     * The sockets move to the I/O thread at {@link #start()} (Thread.start is a memory barrier).
     */
    KernelIo(String name, ConnectionInfo info, String session, Inbound inbound, long hbIntervalMillis, int hbMaxMisses) {
        this.codec = new WireCodec(info.key());
        this.inbound = inbound;
        this.hbIntervalNanos = TimeUnit.MILLISECONDS.toNanos(hbIntervalMillis);
        this.hbMaxMisses = hbMaxMisses;
        byte[] identity = session.getBytes(StandardCharsets.UTF_8);
        iopub = socket(SocketType.SUB, null, null);
        // no limit on what waits while an iopub message is handled on this thread: at ZeroMQ's
        // default high-water mark a flood of outputs would be dropped by the kernel's PUB socket
        // (set before connecting: a pipe takes the limit it is made with)
        iopub.setRcvHWM(0);
        iopub.subscribe(new byte[0]);
        iopub.connect(info.endpoint(info.iopubPort()));
        shell = socket(SocketType.DEALER, info.endpoint(info.shellPort()), identity);
        control = socket(SocketType.DEALER, info.endpoint(info.controlPort()), identity);
        hb = socket(SocketType.REQ, null, null);
        // a REQ that may send again without its answer, dropping stale answers: one late pong must
        // not wedge the heartbeat
        hb.setReqRelaxed(true);
        hb.setReqCorrelate(true);
        hb.connect(info.endpoint(info.hbPort()));
        try {
            selector = Selector.open();
        } catch (IOException e) {
            context.close();
            throw new UncheckedIOException(e);
        }
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
    }

    private ZMQ.Socket socket(SocketType type, String endpoint, byte[] identity) {
        ZMQ.Socket socket = context.createSocket(type);
        socket.setLinger(0);
        if (identity != null) {
            socket.setIdentity(identity);
        }
        if (endpoint != null) {
            socket.connect(endpoint);
        }
        return socket;
    }

    void start() {
        thread.start();
    }

    /**
     * Signs and sends {@code message} on {@code channel}: on the calling thread when the sockets are
     * free and no queued send waits, else queued for the I/O thread. Any thread; sends keep their order.
     */
    void send(Channel channel, KernelMessage message) {
        ZMQ.Socket socket = channel == Channel.SHELL ? shell : control;
        if (Thread.currentThread() != thread && sockets.tryLock()) {
            try {
                if (open && !stopping && tasks.isEmpty()) {
                    sendNow(socket, message);
                    // the send may have taken the signal of a message that arrived meanwhile: the
                    // I/O thread is woken to drain the socket then, and only then
                    if ((socket.getEvents() & ZMQ.Poller.POLLIN) != 0) {
                        wake();
                    }
                    return;
                }
            } finally {
                sockets.unlock();
            }
        }
        // queued sends keep their order: a direct send is only made when none waits
        execute(() -> sendNow(socket, message));
    }

    /** Starts pinging the heartbeat socket (after the kernel answered, so startup is no miss). */
    void startHeartbeat() {
        execute(() -> {
            hbActive = true;
            hbMisses = 0;
            hbAwaiting = false;
            hbNextTick = System.nanoTime();
        });
    }

    /** Runs {@code task} on the I/O thread. */
    private void execute(Runnable task) {
        tasks.add(task);
        wake();
    }

    /** Ends the loop; the sockets are closed on the I/O thread. Any thread, idempotent. */
    void stop() {
        stopping = true;
        if (Thread.currentThread() != thread) {
            wake();
        }
    }

    /** Waits for the I/O thread to end (never from the I/O thread itself). */
    boolean join(long millis) throws InterruptedException {
        if (Thread.currentThread() == thread) {
            return false;
        }
        if (thread.getState() == Thread.State.NEW) {
            closeSockets();
            return true;
        }
        thread.join(millis);
        return !thread.isAlive();
    }

    private void wake() {
        // one wake-up per batch: a writer that finds one pending knows the loop will see its task
        if (wakePending.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    private void run() {
        try {
            sockets.lock();
            try {
                for (ZMQ.Socket socket : List.of(iopub, shell, control, hb)) {
                    SelectableChannel fd = socket.getFD();
                    fd.register(selector, SelectionKey.OP_READ, socket);
                }
                open = true;
            } finally {
                sockets.unlock();
            }
            while (!stopping && !Thread.currentThread().isInterrupted()) {
                // iopub left undrained by the last turn: look again at once (see IOPUB_PER_TURN)
                long timeout = iopubSignalled ? 0 : pollTimeoutMillis();
                if (timeout < 0) {
                    selector.select(this::signalled);
                } else if (timeout == 0) {
                    selector.selectNow(this::signalled);
                } else {
                    selector.select(this::signalled, timeout);
                }
                // cleared before the tasks run: a task queued after this wakes the selector again
                wakePending.set(false);
                sockets.lock();
                try {
                    turn();
                } finally {
                    sockets.unlock();
                }
            }
            sockets.lock();
            try {
                open = false;
                // what already arrived (the traceback before an exit) is still delivered
                receiveAll(iopub, inbound::iopub);
                receiveAll(shell, inbound::shell);
            } finally {
                sockets.unlock();
            }
        } catch (IOException | RuntimeException e) {
            if (!stopping) {
                LOG.error("kernel I/O thread {} failed", thread.getName(), e);
                inbound.ioFailed("kernel I/O failed: " + e);
            }
        } finally {
            sockets.lock();
            try {
                open = false;
                closeSockets();
            } finally {
                sockets.unlock();
            }
        }
    }

    /** One turn of the loop after the selector woke: queued sends, then every signalled socket drained. */
    private void turn() {
        runTasks();
        // a socket we sent on may have taken the signal of a message that arrived meanwhile
        if (iopubSignalled) {
            iopubSignalled = !receiveSome(iopub, inbound::iopub, IOPUB_PER_TURN);
        }
        if (shellSignalled) {
            shellSignalled = false;
            receiveAll(shell, inbound::shell);
        }
        if (controlSignalled) {
            controlSignalled = false;
            receiveAll(control, inbound::control);
        }
        if (hbSignalled) {
            hbSignalled = false;
            if ((hb.getEvents() & ZMQ.Poller.POLLIN) != 0) {
                receivePongs();
            }
        }
        heartbeatTick();
    }

    private void closeSockets() {
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("closing the selector: {}", e.toString());
        }
        context.close();
    }

    private long pollTimeoutMillis() {
        if (!hbActive) {
            return -1;
        }
        long nanos = hbNextTick - System.nanoTime();
        return nanos <= 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos));
    }

    /** A socket's descriptor was ready: it is drained in this turn of the loop. */
    private void signalled(SelectionKey key) {
        Object socket = key.attachment();
        if (socket == iopub) {
            iopubSignalled = true;
        } else if (socket == shell) {
            shellSignalled = true;
        } else if (socket == control) {
            controlSignalled = true;
        } else if (socket == hb) {
            hbSignalled = true;
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            task.run();
        }
    }

    private void sendNow(ZMQ.Socket socket, KernelMessage message) {
        if (socket == shell) {
            shellSignalled = true;
        } else {
            controlSignalled = true;
        }
        List<byte[]> frames = codec.encode(message);
        for (int i = 0; i < frames.size(); i++) {
            boolean more = i < frames.size() - 1;
            if (!socket.send(frames.get(i), (more ? ZMQ.SNDMORE : 0) | ZMQ.DONTWAIT)) {
                // a dead kernel with a full queue: never block the loop (a partial message is
                // discarded by ZeroMQ when the socket closes)
                LOG.warn("{}: dropped outgoing {} (send queue full)", thread.getName(), message.msgType());
                return;
            }
        }
    }

    private interface Sink {
        void accept(KernelMessage message);
    }

    /**
     * Receives up to {@code max} messages; true when the socket had no more. iopub's listener may run
     * on this thread (see {@link RunningKernel}): a flood of outputs is then taken in slices, and the
     * sends, replies and heartbeats of the turn in between do not wait for the whole flood.
     */
    private boolean receiveSome(ZMQ.Socket socket, Sink sink, int max) {
        for (int i = 0; i < max; i++) {
            List<byte[]> frames = receiveFrames(socket);
            if (frames == null) {
                return true;
            }
            deliver(frames, sink);
        }
        return false;
    }

    private void receiveAll(ZMQ.Socket socket, Sink sink) {
        List<byte[]> frames;
        while ((frames = receiveFrames(socket)) != null) {
            deliver(frames, sink);
        }
    }

    private void deliver(List<byte[]> frames, Sink sink) {
        try {
            sink.accept(codec.decode(frames));
        } catch (MalformedKernelMessageException e) {
            // never delivered: a bad signature is either a bug or someone who does not know the key
            LOG.warn("{}: dropped a kernel message: {}", thread.getName(), e.getMessage());
        }
    }

    private static List<byte[]> receiveFrames(ZMQ.Socket socket) {
        byte[] first = socket.recv(ZMQ.DONTWAIT);
        if (first == null) {
            return null;
        }
        List<byte[]> frames = new ArrayList<>(8);
        frames.add(first);
        while (socket.hasReceiveMore()) {
            frames.add(socket.recv(0));
        }
        return frames;
    }

    /** One pong at most: a REQ socket has one ping out, and a second recv is a state error (EFSM). */
    private void receivePongs() {
        if (hb.recv(ZMQ.DONTWAIT) != null) {
            hbAwaiting = false;
            hbMisses = 0;
        }
    }

    /** KERNELS.md §5.9 (ours): one ping a second, three unanswered in a row and the kernel is lost. */
    private void heartbeatTick() {
        if (!hbActive || System.nanoTime() - hbNextTick < 0) {
            return;
        }
        if (hbAwaiting && ++hbMisses >= hbMaxMisses) {
            hbActive = false;
            inbound.heartbeatLost(hbMisses);
            return;
        }
        hbAwaiting = true;
        hb.send(("ping " + ++hbSequence).getBytes(StandardCharsets.US_ASCII), ZMQ.DONTWAIT);
        hbSignalled = true;
        hbNextTick = System.nanoTime() + hbIntervalNanos;
    }
}
