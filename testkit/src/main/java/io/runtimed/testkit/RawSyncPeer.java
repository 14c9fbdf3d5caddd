package io.runtimed.testkit;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import io.runtimed.sync.NativeHandles;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.SyncState;
import org.automerge.Transaction;

/**
 * A peer that speaks a sync channel by hand, as a Rust or JS window would (PROTOCOL.md §2, §3, §6):
 * the handshake frame as literal bytes (or none, for a server tested without the router), then raw
 * Automerge sync messages from an empty document and its own sync state. No sync code of the
 * product is used, so a bug there cannot hide itself. A reader thread applies every frame and
 * answers it.
 *
 * <p>A typed-frame peer (KERNELS.md §1, {@link #connectTypedNotebook}) expects the capabilities
 * frame first, sends and reads its sync messages in {@code 0x00} frames, and keeps every response
 * and broadcast, as JSON text, in the order they came.
 */
public final class RawSyncPeer implements AutoCloseable {
    /** PROTOCOL.md §3: the reference's exact settings handshake bytes. */
    public static final byte[] SETTINGS_HANDSHAKE = "{\"channel\":\"settings_sync\"}".getBytes(StandardCharsets.UTF_8);

    private final FrameChannel frames;
    private final Document doc = NativeHandles.newDocument();
    private final SyncState state = NativeHandles.newSyncState();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final Thread reader;
    private final boolean typed;
    private final List<String> responses = new ArrayList<>();
    private final List<String> broadcasts = new ArrayList<>();
    /** Typed peers: the document's heads (hex, sorted) when each broadcast arrived. */
    private final List<List<String>> headsAtBroadcasts = new ArrayList<>();
    /** Typed peers: the type byte of every frame after the capabilities frame, in order. */
    private final List<Byte> frameTypes = new ArrayList<>();
    private byte[] firstFrame;
    private int frameCount;
    private boolean eof;
    private IOException failure;

    private RawSyncPeer(FrameChannel frames, String name, boolean typed) {
        this.frames = frames;
        this.typed = typed;
        this.reader = new Thread(this::readLoop, "raw-peer-" + name);
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /**
     * PROTOCOL.md §3: {@code {"channel":"notebook_sync","notebook_id":…}} exactly as the reference
     * writes it, the id as a JSON string.
     */
    public static byte[] notebookHandshake(String notebookId) {
        String id = new String(JsonStringEncoder.getInstance().quoteAsString(notebookId));
        return ("{\"channel\":\"notebook_sync\",\"notebook_id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** Connects and picks the settings_sync channel. */
    public static RawSyncPeer connectSettings(Path socket, String name) throws IOException {
        return connect(socket, SETTINGS_HANDSHAKE, name);
    }

    /** Connects and joins the room of {@code notebookId} on the notebook_sync channel. */
    public static RawSyncPeer connectNotebook(Path socket, String notebookId, String name) throws IOException {
        return connect(socket, notebookHandshake(notebookId), name);
    }

    /** Connects to {@code socket}; sends {@code handshake} first when it is not null. */
    public static RawSyncPeer connect(Path socket, byte[] handshake, String name) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        FrameChannel frames = new FrameChannel(ch);
        if (handshake != null) {
            frames.writeFrame(handshake);
        }
        return new RawSyncPeer(frames, name, false);
    }

    /** KERNELS.md §1.1: the handshake with {@code "protocol":"v2"}, exactly as the reference writes it. */
    public static byte[] typedNotebookHandshake(String notebookId) {
        String id = new String(JsonStringEncoder.getInstance().quoteAsString(notebookId));
        return ("{\"channel\":\"notebook_sync\",\"notebook_id\":\"" + id + "\",\"protocol\":\"v2\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Connects as a typed-frame (v2) peer of the room of {@code notebookId}. */
    public static RawSyncPeer connectTypedNotebook(Path socket, String notebookId, String name) throws IOException {
        return connectTyped(socket, typedNotebookHandshake(notebookId), name);
    }

    /** Connects as a typed-frame peer; sends {@code handshake} first when it is not null. */
    public static RawSyncPeer connectTyped(Path socket, byte[] handshake, String name) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        FrameChannel frames = new FrameChannel(ch);
        if (handshake != null) {
            frames.writeFrame(handshake);
        }
        return new RawSyncPeer(frames, name, true);
    }

    private void readLoop() {
        try {
            while (true) {
                byte[] frame = frames.readFrame(Frames.DATA_MAX);
                lock.lock();
                try {
                    if (frame == null) {
                        eof = true;
                        return;
                    }
                    if (firstFrame == null) {
                        firstFrame = frame;
                        if (typed) {
                            frameCount++;
                            continue; // the capabilities frame
                        }
                    }
                    if (typed) {
                        receiveTypedLocked(frame);
                    } else {
                        doc.receiveSyncMessage(state, frame);
                        sendLocked();
                    }
                    frameCount++;
                } finally {
                    arrived.signalAll();
                    lock.unlock();
                }
            }
        } catch (IOException e) {
            lock.lock();
            try {
                failure = e;
                arrived.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void receiveTypedLocked(byte[] frame) throws IOException {
        if (frame.length == 0) {
            throw new IOException("empty frame from the daemon");
        }
        frameTypes.add(frame[0]);
        byte[] payload = Arrays.copyOfRange(frame, 1, frame.length);
        switch (frame[0]) {
            case 0x00 -> {
                doc.receiveSyncMessage(state, payload);
                sendLocked();
            }
            case 0x02 -> responses.add(new String(payload, StandardCharsets.UTF_8));
            case 0x03 -> {
                broadcasts.add(new String(payload, StandardCharsets.UTF_8));
                headsAtBroadcasts.add(Arrays.stream(doc.getHeads()).map(RawSyncPeer::hex).sorted().toList());
            }
            default -> throw new IOException("unexpected frame type " + frame[0] + " from the daemon");
        }
    }

    private void sendLocked() throws IOException {
        Optional<byte[]> m = doc.generateSyncMessage(state);
        if (m.isPresent()) {
            frames.writeFrame(typed ? typedFrame((byte) 0x00, m.get()) : m.get());
        }
    }

    private static byte[] typedFrame(byte type, byte[] payload) {
        byte[] frame = new byte[payload.length + 1];
        frame[0] = type;
        System.arraycopy(payload, 0, frame, 1, payload.length);
        return frame;
    }

    /** Typed peers: sends a {@code 0x01} request with exactly this JSON text. */
    public void request(String json) throws IOException {
        lock.lock();
        try {
            frames.writeFrame(typedFrame((byte) 0x01, json.getBytes(StandardCharsets.UTF_8)));
        } finally {
            lock.unlock();
        }
    }

    /** Typed peers: waits until {@code n} responses came and returns all so far, in order. */
    public List<String> awaitResponses(int n, Duration timeout) throws InterruptedException {
        awaitCondition(() -> responses.size() >= n, timeout);
        return snapshot(responses);
    }

    /** Typed peers: waits until a broadcast contains {@code text}; returns every broadcast so far. */
    public List<String> awaitBroadcast(String text, Duration timeout) throws InterruptedException {
        awaitCondition(() -> broadcasts.stream().anyMatch(b -> b.contains(text)), timeout);
        return snapshot(broadcasts);
    }

    public List<String> broadcasts() {
        return snapshot(broadcasts);
    }

    /** Typed peers: for each broadcast of {@link #broadcasts()}, the document's heads (hex, sorted) when it arrived. */
    public List<List<String>> headsAtBroadcasts() {
        return snapshot(headsAtBroadcasts);
    }

    private static String hex(ChangeHash hash) {
        return HexFormat.of().formatHex(hash.getBytes());
    }

    public List<Byte> frameTypes() {
        return snapshot(frameTypes);
    }

    private <T> List<T> snapshot(List<T> list) {
        lock.lock();
        try {
            return List.copyOf(list);
        } finally {
            lock.unlock();
        }
    }

    private void awaitCondition(java.util.function.BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || eof || failure != null) {
                    return;
                }
                arrived.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Changes the local document in one transaction and sends what Automerge generates. */
    public void change(Consumer<Transaction> edit) throws IOException {
        lock.lock();
        try {
            try (Transaction tx = doc.startTransaction()) {
                edit.accept(tx);
                tx.commit();
            }
            sendLocked();
        } finally {
            lock.unlock();
        }
    }

    public <T> T read(Function<Document, T> reader) {
        lock.lock();
        try {
            return reader.apply(doc);
        } finally {
            lock.unlock();
        }
    }

    /** Sends a frame as it is (e.g. garbage). */
    public void sendRaw(byte[] payload) throws IOException {
        frames.writeFrame(payload);
    }

    /** Waits until the document satisfies {@code condition}, re-checked after every frame. */
    public boolean await(Predicate<Document> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!condition.test(doc)) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || eof || failure != null) {
                    return false;
                }
                arrived.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the other side closes the connection (EOF or a reset). */
    public boolean awaitDisconnect(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!eof && failure == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                arrived.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Waits for the first frame and returns it. */
    public byte[] awaitFirstFrame(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (firstFrame == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || eof || failure != null) {
                    return null;
                }
                arrived.awaitNanos(left);
            }
            return firstFrame;
        } finally {
            lock.unlock();
        }
    }

    public int frameCount() {
        lock.lock();
        try {
            return frameCount;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        frames.close();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lock.lock();
        try {
            NativeHandles.free(state);
            NativeHandles.free(doc);
        } finally {
            lock.unlock();
        }
    }
}
