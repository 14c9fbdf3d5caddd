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
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.automerge.Document;
import org.automerge.SyncState;
import org.automerge.Transaction;

/**
 * A peer that speaks a sync channel by hand, as a Rust or JS window would (PROTOCOL.md §2, §3, §6):
 * the handshake frame as literal bytes (or none, for a server tested without the router), then raw
 * Automerge sync messages from an empty document and its own sync state. No sync code of the
 * product is used, so a bug there cannot hide itself. A reader thread applies every frame and
 * answers it.
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
    private byte[] firstFrame;
    private int frameCount;
    private boolean eof;
    private IOException failure;

    private RawSyncPeer(FrameChannel frames, String name) {
        this.frames = frames;
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
        return new RawSyncPeer(frames, name);
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
                    }
                    doc.receiveSyncMessage(state, frame);
                    sendLocked();
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

    private void sendLocked() throws IOException {
        Optional<byte[]> m = doc.generateSyncMessage(state);
        if (m.isPresent()) {
            frames.writeFrame(m.get());
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
