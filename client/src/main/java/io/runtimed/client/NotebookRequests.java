package io.runtimed.client;

import io.runtimed.protocol.Json;
import io.runtimed.protocol.MalformedMessageException;
import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.protocol.NotebookFrames;
import io.runtimed.protocol.NotebookRequest;
import io.runtimed.protocol.NotebookResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One typed-frame connection's requests and broadcasts (KERNELS.md §1.4, §1.5), beside the sync
 * messages that {@link SyncReplica} handles.
 *
 * <p><b>Requests.</b> The protocol has no request id: the daemon answers the requests of one
 * connection in order, exactly once each. So every request is written and put at the end of a FIFO
 * of pending answers in one step (under {@code sendOrder}), and each {@code 0x02} frame completes
 * the oldest pending one. Callers may wait concurrently; the answers still pair up. A request that
 * times out keeps its place in the FIFO: its late answer is consumed by it and dropped, never taken
 * for the next request's (the reference's defect, §1.5). The cost: while a timed-out request is
 * still unanswered, later requests wait behind it, as they would on the daemon anyway.
 *
 * <p><b>Broadcasts.</b> The reader thread only queues each {@code 0x03} payload; one
 * {@code notebook-broadcasts-N} thread parses them and calls the listeners, in arrival order, so a
 * slow listener never stalls the document sync. Payloads this client cannot parse (e.g.
 * {@code env_progress}, not modelled yet) are skipped. Broadcasts that arrive before the first
 * listener is added (the {@code comm_sync} a peer gets while it joins, §1.2) are kept for it, as
 * the reference queues them during the initial sync (§1.5); at most {@link #EARLY_BACKLOG} of the
 * newest, so a client that never listens holds little.
 */
final class NotebookRequests implements SyncReplica.TypedFrameSink {
    private static final Logger LOG = LoggerFactory.getLogger(NotebookRequests.class);
    private static final AtomicLong IDS = new AtomicLong();
    private static final Object STOP = new Object();
    /** Broadcasts kept for the first listener. */
    static final int EARLY_BACKLOG = 1024;

    /** How a request frame reaches the daemon (the replica's {@code sendTyped}). */
    interface Sender {
        void send(byte[] frame) throws DaemonClientException;
    }

    /** A request waiting for its answer; its action is read from the frame only for an error message. */
    private record Pending(byte[] frame, CompletableFuture<NotebookResponse> answer) {
        String action() {
            return actionOf(frame);
        }
    }

    private final ReentrantLock sendOrder = new ReentrantLock();
    private final ConcurrentLinkedDeque<Pending> pending = new ConcurrentLinkedDeque<>();
    private final BlockingQueue<Object> broadcasts = new LinkedBlockingQueue<>();
    private final List<Consumer<NotebookBroadcast>> listeners = new CopyOnWriteArrayList<>();
    private final Thread dispatcher;
    /** Opened by the first listener (or the end of the connection): the dispatcher starts delivering. */
    private final java.util.concurrent.CountDownLatch listening = new java.util.concurrent.CountDownLatch(1);
    private volatile Sender sender;
    private volatile DaemonClientException closedBy;

    NotebookRequests() {
        dispatcher = new Thread(this::dispatch, "notebook-broadcasts-" + IDS.incrementAndGet());
        dispatcher.setDaemon(true);
        dispatcher.start();
    }

    /** Set once the connection is open, before the first request. */
    void attach(Sender sender) {
        this.sender = sender;
    }

    /**
     * Sends {@code request} and waits up to {@code timeout} for its answer.
     *
     * @throws DaemonClientException {@code TIMEOUT} when no answer came in time (the connection
     *                               stays usable), {@code PROTOCOL} when the connection broke or
     *                               the answer was unreadable
     */
    NotebookResponse request(NotebookRequest request, Duration timeout) throws DaemonClientException {
        byte[] frame = NotebookFrames.request(request);
        Pending p = new Pending(frame, new CompletableFuture<>());
        sendOrder.lock();
        try {
            DaemonClientException closed = closedBy;
            if (closed != null) {
                throw new DaemonClientException(closed.kind(), closed.getMessage(), closed);
            }
            pending.addLast(p);
            // the answer can only come after the frame is written, so the FIFO is never behind
            sender.send(frame);
        } finally {
            sendOrder.unlock();
        }
        try {
            return p.answer().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new DaemonClientException(DaemonClientException.Kind.TIMEOUT,
                    "No answer to " + p.action() + " within " + describe(timeout), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL,
                    "Interrupted while waiting for the answer to " + p.action(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DaemonClientException d) {
                throw new DaemonClientException(d.kind(), d.getMessage(), d);
            }
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL, String.valueOf(e.getCause()), e);
        }
    }

    AutoCloseable addBroadcastListener(Consumer<NotebookBroadcast> listener) {
        listeners.add(listener);
        listening.countDown();
        return () -> listeners.remove(listener);
    }

    // ---- the reader thread's side ----

    @Override
    public void response(byte[] json) {
        Pending p = pending.pollFirst();
        if (p == null) {
            LOG.warn("an answer no request waits for: {}", new String(json, StandardCharsets.UTF_8));
            return;
        }
        try {
            p.answer().complete(Json.parse(json, NotebookResponse.class));
        } catch (MalformedMessageException e) {
            p.answer().completeExceptionally(new DaemonClientException(DaemonClientException.Kind.PROTOCOL,
                    "Unreadable answer to " + p.action() + ": " + e.getMessage(), e));
        }
    }

    @Override
    public void broadcast(byte[] json) {
        if (listening.getCount() > 0 && broadcasts.size() >= EARLY_BACKLOG) {
            broadcasts.poll(); // nobody listens yet: keep the newest
        }
        broadcasts.add(json);
    }

    @Override
    public void disconnected(DaemonClientException why) {
        sendOrder.lock();
        try {
            if (closedBy != null) {
                return;
            }
            closedBy = why;
        } finally {
            sendOrder.unlock();
        }
        for (Pending p; (p = pending.pollFirst()) != null; ) {
            p.answer().completeExceptionally(why);
        }
        broadcasts.add(STOP);
        listening.countDown();
    }

    // ---- the dispatcher thread ----

    private void dispatch() {
        try {
            listening.await();
        } catch (InterruptedException e) {
            return;
        }
        while (true) {
            Object next;
            try {
                next = broadcasts.take();
            } catch (InterruptedException e) {
                return;
            }
            if (next == STOP) {
                return;
            }
            byte[] json = (byte[]) next;
            NotebookBroadcast b;
            try {
                b = Json.parse(json, NotebookBroadcast.class);
            } catch (MalformedMessageException e) {
                LOG.debug("skipping a broadcast this client does not know: {}",
                        new String(json, StandardCharsets.UTF_8));
                continue;
            }
            for (Consumer<NotebookBroadcast> l : listeners) {
                try {
                    l.accept(b);
                } catch (RuntimeException e) {
                    LOG.warn("a broadcast listener failed", e);
                }
            }
        }
    }

    private static String actionOf(byte[] frame) {
        try {
            return Json.MAPPER.readTree(frame, 1, frame.length - 1).path("action").asText("request");
        } catch (IOException e) {
            return "request";
        }
    }

    private static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
