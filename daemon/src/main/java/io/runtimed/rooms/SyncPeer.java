package io.runtimed.rooms;

import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.MalformedMessageException;
import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.protocol.NotebookFrames;
import io.runtimed.protocol.NotebookRequest;
import io.runtimed.protocol.NotebookResponse;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.SyncMessageException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.automerge.SyncState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connected peer of a {@link SyncRoom} (PROTOCOL.md §6.1).
 *
 * <p>The connection's own thread reads the peer's frames; for each one it applies it and then, before
 * it reads the next, generates this peer's reply. That order matters: Automerge's receive treats a
 * change-free message whose heads equal ours as proof that the peer already knows our heads, so a
 * reply owed for an earlier message and generated only after a later one is silently dropped, and
 * a peer that pipelines its messages (JS apps do) would wait forever for our heads.
 *
 * <p>The sync state is only ever used under {@link #exchange}, by one thread at a time, and what a
 * generation produces is queued for the socket in the same hold, so messages leave in the order they
 * were generated. A second thread, the sender, generates on "document changed" notifications (which
 * coalesce: generation starts from the full sync state, §6.1; a kernel's output change is generated
 * for by the thread that made it, {@link #generateHere}) and does every socket write, so a
 * slow reader on the other end delays only itself and the reading of its own frames never blocks
 * on a full socket. Before it writes a message the sender waits until the heads it carries are
 * durable ({@link DocumentOwner#awaitDurable(long)}): no message carries heads that a crash could
 * lose, while the reader goes on applying the peer's next frames, so a burst shares one fsync.
 *
 * <p>A typed-frame peer (KERNELS.md §1, "v2") is first sent the capabilities frame; its sync
 * messages travel in {@code 0x00} frames, its requests ({@code 0x01}) are answered by the room's
 * {@link TypedFramesHandler} on a request thread of this peer (§1.4 (ours): a kernel launch never
 * stalls the peer's sync), one at a time, each exactly once and in order, through the same outbox
 * as everything else. Broadcasts ({@code 0x03}) join the outbox too; a peer that falls more than
 * {@link #BROADCAST_BACKLOG} broadcasts behind misses the rest and is sent fresh state instead.
 *
 * <p>What goes out, and in which order (changes ahead of the broadcasts that tell of them, each
 * broadcast overtaken once at most), is the {@link PeerOutbox}'s to decide.
 */
final class SyncPeer {
    private static final Logger LOG = LoggerFactory.getLogger(SyncPeer.class);
    /** How long a departing peer waits for its sender to notice the closed socket. */
    private static final long SENDER_JOIN_MILLIS = 5_000;
    /** Broadcasts queued for one peer beyond which new ones are dropped (and state resent later). */
    static final int BROADCAST_BACKLOG = 1024;
    /** Frames written together at most (a catching-up peer's backlog goes out in such slices). */
    static final int BURST_FRAMES = 64;

    private final String label;
    private final FrameChannel frames;
    private final DocumentOwner owner;
    private final SyncRoom room;
    private final Thread sender;
    /** Null for a plain (v1) peer. */
    private final TypedFramesHandler typed;
    private final ExecutorService requests;
    /** Requests handed to {@link #requests} and not yet answered. Only the reader adds to it. */
    private final AtomicInteger requestsInFlight = new AtomicInteger();
    /** Held while the sync state is used and what it generated is queued. */
    private final ReentrantLock exchange = new ReentrantLock();
    private final PeerOutbox outbox = new PeerOutbox(BROADCAST_BACKLOG);
    // guarded by exchange
    private SyncState state;

    SyncPeer(String label, FrameChannel frames, DocumentOwner owner, SyncRoom room, TypedFramesHandler typed) {
        this.label = label;
        this.frames = frames;
        this.owner = owner;
        this.room = room;
        this.typed = typed;
        this.sender = new Thread(this::sendLoop, label + "-writer");
        this.sender.setDaemon(true);
        this.requests = typed == null ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, label + "-requests");
            t.setDaemon(true);
            return t;
        });
    }

    boolean typedFrames() {
        return typed != null;
    }

    String label() {
        return label;
    }

    /**
     * Serves the peer until it disconnects: sends the first message at once (the server speaks
     * first, §6.1 step 1), then applies every frame it sends and answers it. Returns at a clean EOF;
     * throws for a broken connection or a frame that is not a sync message.
     */
    void run() throws IOException {
        exchange.lock();
        try {
            state = NativeHandles.newSyncState();
        } finally {
            exchange.unlock();
        }
        try {
            if (typed != null) {
                // §1.2: the capabilities frame goes first, before the writer could send anything
                frames.writeFrame(NotebookFrames.capabilities());
            }
            sender.start();
            generateAndQueue();
            if (typed != null) {
                typed.greeting().forEach(this::broadcast);
            }
            while (true) {
                byte[] frame = frames.readFrame(Frames.DATA_MAX);
                if (frame == null) {
                    return;
                }
                if (typed == null) {
                    receive(frame);
                } else {
                    receiveTyped(frame);
                }
            }
        } finally {
            stop();
        }
    }

    /** §1.4: one frame of a typed-frame peer; an empty frame or an unknown type ends the connection. */
    private void receiveTyped(byte[] frame) throws IOException {
        NotebookFrames.Typed t = NotebookFrames.decode(frame);
        switch (t.type()) {
            case AUTOMERGE_SYNC -> receive(t.payload());
            case REQUEST -> submitRequest(t.payload());
            case RESPONSE, BROADCAST -> LOG.debug("{}: ignoring a {} frame from a client", label, t.type());
        }
    }

    /**
     * A request the handler answers at once (an execute_cell, say) is answered on this reader thread
     * when no earlier request is still waiting or running: its answer is then next in order anyway,
     * and the cell reaches the kernel one thread hand-off sooner. Everything else goes to the
     * request thread.
     */
    private void submitRequest(byte[] json) {
        ParsedRequest parsed = ParsedRequest.of(json);
        if (parsed.request() != null && requestsInFlight.get() == 0 && typed.answersAtOnce(parsed.request())) {
            answer(parsed);
            return;
        }
        requestsInFlight.incrementAndGet();
        try {
            requests.execute(() -> {
                try {
                    answer(parsed);
                } finally {
                    // after the answer is in the outbox: a later inline answer stays behind it
                    requestsInFlight.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            requestsInFlight.decrementAndGet();
            LOG.debug("{}: leaving, request not run", label);
        }
    }

    /** A request frame parsed: the request, or why it is malformed. */
    private record ParsedRequest(NotebookRequest request, MalformedMessageException malformed) {
        static ParsedRequest of(byte[] json) {
            try {
                return new ParsedRequest(Json.parse(json, NotebookRequest.class), null);
            } catch (MalformedMessageException e) {
                return new ParsedRequest(null, e);
            }
        }
    }

    /** Answers and queues the response (exactly one per request). */
    private void answer(ParsedRequest parsed) {
        NotebookResponse response;
        try {
            if (parsed.malformed() != null) {
                throw parsed.malformed();
            }
            response = typed.answer(parsed.request());
            if (response == null) {
                throw new IllegalStateException("no answer to " + parsed.request());
            }
        } catch (MalformedMessageException e) {
            response = new NotebookResponse.Error("invalid request: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.error("{}: request failed", label, e);
            response = new NotebookResponse.Error(e.getMessage() == null ? e.toString() : e.getMessage());
        }
        outbox.addResponse(NotebookFrames.response(response));
    }

    /** A room broadcast for this typed-frame peer; dropped (and state resent later) if it lags. */
    private void broadcast(NotebookBroadcast broadcast) {
        broadcastFrame(NotebookFrames.broadcast(broadcast));
    }

    void broadcastFrame(byte[] frame) {
        outbox.addBroadcast(frame);
    }

    /**
     * §6.1 step 2: apply under the document's lock (staging any change for the disk), tell the other
     * peers, then generate this peer's reply, which the sender holds until the change is durable.
     */
    private void receive(byte[] frame) throws SyncMessageException {
        exchange.lock();
        try {
            if (owner.receive(state, frame)) {
                room.changedBy(this);
            }
            queue(owner.generateOutgoing(state));
        } finally {
            exchange.unlock();
        }
    }

    private void generateAndQueue() {
        exchange.lock();
        try {
            if (state != null) {
                queue(owner.generateOutgoing(state));
            }
        } finally {
            exchange.unlock();
        }
    }

    /** Under {@link #exchange}: hands a generated message to the sender, keeping generation order. */
    private void queue(Optional<DocumentOwner.Outgoing> message) {
        message.ifPresent(m -> outbox.addSync(m, owner.isDurable(m.ticket())));
    }

    /** Something changed (another peer's change, a daemon-side edit): generate for this peer soon. */
    void documentChanged() {
        outbox.changed();
    }

    /**
     * Something changed: generates this peer's message on the calling thread and queues it, unless
     * the sync state is busy (the reader is applying a frame: then the sender generates, as for
     * {@link #documentChanged}). On a busy machine the sender, woken for the write alone, starts
     * sooner and spends less time than when it generates first with cold caches.
     */
    void generateHere() {
        if (exchange.tryLock()) {
            try {
                if (state != null) {
                    queue(owner.generateOutgoing(state));
                    return;
                }
            } finally {
                exchange.unlock();
            }
        }
        outbox.changed();
    }

    /** Ends the connection from our side (daemon shutdown); the reader then returns. */
    void disconnect() {
        try {
            frames.close();
        } catch (IOException e) {
            LOG.debug("{}: closing: {}", label, e.getMessage());
        }
    }

    private void sendLoop() {
        List<byte[]> burst = new ArrayList<>();
        try {
            while (true) {
                // what is already queued when the sender wakes leaves in one write (the windows read
                // it in one go): a burst ends at the first step that is not a ready write
                PeerOutbox.Step next = outbox.take();
                while (next != null) {
                    if (next instanceof PeerOutbox.Write write) {
                        add(write, burst);
                        if (burst.size() >= BURST_FRAMES) {
                            writeBurst(burst);
                        }
                    } else {
                        writeBurst(burst);
                        if (next == PeerOutbox.Catch.STOP) {
                            return;
                        } else if (next == PeerOutbox.Catch.GENERATE) {
                            generateAndQueue();
                        } else if (next == PeerOutbox.Catch.CATCH_UP) {
                            List<NotebookBroadcast> fresh = typed.afterLag();
                            LOG.debug("{}: missed broadcasts, sending {} fresh ones", label, fresh.size());
                            fresh.forEach(this::broadcast);
                        }
                    }
                    next = outbox.poll();
                }
                writeBurst(burst);
            }
        } catch (IOException e) {
            // the reader sees the closed socket and ends the peer
            LOG.debug("{}: write failed: {}", label, e.getMessage());
            disconnect();
        } catch (IllegalStateException e) {
            // the room closed its document while this peer was leaving (daemon shutdown)
            LOG.debug("{}: {}", label, e.getMessage());
            disconnect();
        } catch (RuntimeException e) {
            LOG.error("{}: sender failed", label, e);
            disconnect();
        }
    }

    /**
     * Adds a queued write to the burst; a sync message whose heads are not durable yet first sends
     * what is before it, then waits for the disk.
     */
    private void add(PeerOutbox.Write write, List<byte[]> burst) throws IOException {
        if (write instanceof PeerOutbox.SyncWrite sync) {
            long ticket = sync.message().ticket();
            if (!owner.isDurable(ticket)) {
                writeBurst(burst);
                owner.awaitDurable(ticket);
            }
            byte[] message = sync.message().message();
            burst.add(typed == null ? message : NotebookFrames.sync(message));
        } else if (write instanceof PeerOutbox.FrameWrite f) {
            burst.add(f.frame());
        }
    }

    private void writeBurst(List<byte[]> burst) throws IOException {
        if (!burst.isEmpty()) {
            frames.writeFrames(burst);
            burst.clear();
        }
    }

    /** Stops the sender and frees the sync state, exactly once, with no generation running. */
    private void stop() {
        if (requests != null) {
            // requests already read still run (a launch another window waits for must not be cut
            // short); their answers have nowhere to go and are dropped
            requests.shutdown();
        }
        outbox.stop();
        // a sender blocked on a full socket buffer wakes up when the channel closes
        disconnect();
        try {
            sender.join(SENDER_JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exchange.lock();
        try {
            if (state != null) {
                NativeHandles.free(state);
                state = null;
            }
        } finally {
            exchange.unlock();
        }
    }

    @Override
    public String toString() {
        return label;
    }
}
