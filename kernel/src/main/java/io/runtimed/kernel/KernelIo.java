package io.runtimed.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The one thread that owns a kernel's ZeroMQ sockets (they are not thread-safe): iopub SUB, shell
 * and control DEALERs, heartbeat REQ. It sleeps in a {@link ZMQ.Poller} that also watches a pipe;
 * other threads queue work and write one byte to the pipe, so a send is picked up within
 * microseconds — there is no timed polling. The only timeout the poller uses is the next heartbeat.
 */
final class KernelIo {
    private static final Logger LOG = LoggerFactory.getLogger(KernelIo.class);

    enum Channel { SHELL, CONTROL }

    /** What arrives, called on the I/O thread: implementations must only hand it on. */
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
    private final Pipe wakePipe;
    private final ByteBuffer wakeByte = ByteBuffer.allocate(1);
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final WireCodec codec;
    private final Inbound inbound;
    private final Thread thread;
    private volatile boolean stopping;

    // heartbeat state, I/O thread only
    private final long hbIntervalNanos;
    private final int hbMaxMisses;
    private boolean hbActive;
    private boolean hbAwaiting;
    private int hbMisses;
    private long hbNextTick;
    private long hbSequence;

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
        iopub = socket(SocketType.SUB, info.endpoint(info.iopubPort()), null);
        iopub.subscribe(new byte[0]);
        shell = socket(SocketType.DEALER, info.endpoint(info.shellPort()), identity);
        control = socket(SocketType.DEALER, info.endpoint(info.controlPort()), identity);
        hb = socket(SocketType.REQ, null, null);
        // a REQ that may send again without its answer, dropping stale answers: one late pong must
        // not wedge the heartbeat
        hb.setReqRelaxed(true);
        hb.setReqCorrelate(true);
        hb.connect(info.endpoint(info.hbPort()));
        try {
            wakePipe = Pipe.open();
            wakePipe.source().configureBlocking(false);
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

    /** Queues {@code message} for {@code channel}; signed and sent on the I/O thread. Any thread. */
    void send(Channel channel, KernelMessage message) {
        execute(() -> sendNow(channel == Channel.SHELL ? shell : control, message));
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
        // one byte per batch: a writer that finds a wake-up pending knows the loop will see its task
        if (wakePending.compareAndSet(false, true)) {
            try {
                wakePipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
            } catch (IOException e) {
                LOG.debug("wake-up pipe closed: {}", e.toString());
            }
        }
    }

    private void run() {
        ZMQ.Poller poller = context.createPoller(5);
        int iopubIndex = poller.register(iopub, ZMQ.Poller.POLLIN);
        int shellIndex = poller.register(shell, ZMQ.Poller.POLLIN);
        int controlIndex = poller.register(control, ZMQ.Poller.POLLIN);
        int hbIndex = poller.register(hb, ZMQ.Poller.POLLIN);
        int wakeIndex = poller.register(wakePipe.source(), ZMQ.Poller.POLLIN);
        try {
            while (!stopping && !Thread.currentThread().isInterrupted()) {
                poller.poll(pollTimeoutMillis());
                if (poller.pollin(wakeIndex)) {
                    drainWakePipe();
                }
                runTasks();
                if (poller.pollin(iopubIndex)) {
                    receiveAll(iopub, inbound::iopub);
                }
                if (poller.pollin(shellIndex)) {
                    receiveAll(shell, inbound::shell);
                }
                if (poller.pollin(controlIndex)) {
                    receiveAll(control, inbound::control);
                }
                if (poller.pollin(hbIndex)) {
                    receivePongs();
                }
                heartbeatTick();
            }
            // what already arrived (the traceback before an exit) is still delivered
            receiveAll(iopub, inbound::iopub);
            receiveAll(shell, inbound::shell);
        } catch (RuntimeException e) {
            if (!stopping) {
                LOG.error("kernel I/O thread {} failed", thread.getName(), e);
                inbound.ioFailed("kernel I/O failed: " + e);
            }
        } finally {
            poller.close();
            closeSockets();
        }
    }

    private void closeSockets() {
        context.close();
        try {
            wakePipe.sink().close();
            wakePipe.source().close();
        } catch (IOException e) {
            LOG.debug("closing the wake-up pipe: {}", e.toString());
        }
    }

    private long pollTimeoutMillis() {
        if (!hbActive) {
            return -1;
        }
        long nanos = hbNextTick - System.nanoTime();
        return nanos <= 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos));
    }

    private void drainWakePipe() {
        try {
            // clear the flag before running the tasks: a task queued after this gets its own byte
            while (true) {
                wakeByte.clear();
                if (wakePipe.source().read(wakeByte) <= 0) {
                    break;
                }
            }
        } catch (IOException e) {
            LOG.debug("wake-up pipe: {}", e.toString());
        }
        wakePending.set(false);
    }

    private void runTasks() {
        Runnable task;
        while ((task = tasks.poll()) != null) {
            task.run();
        }
    }

    private void sendNow(ZMQ.Socket socket, KernelMessage message) {
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

    private void receiveAll(ZMQ.Socket socket, Sink sink) {
        List<byte[]> frames;
        while ((frames = receiveFrames(socket)) != null) {
            try {
                sink.accept(codec.decode(frames));
            } catch (MalformedKernelMessageException e) {
                // never delivered: a bad signature is either a bug or someone who does not know the key
                LOG.warn("{}: dropped a kernel message: {}", thread.getName(), e.getMessage());
            }
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
        hbNextTick = System.nanoTime() + hbIntervalNanos;
    }
}
