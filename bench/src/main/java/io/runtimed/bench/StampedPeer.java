package io.runtimed.bench;

import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import io.runtimed.sync.NativeHandles;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.automerge.Document;
import org.automerge.SyncState;
import org.automerge.Transaction;

/**
 * A sync peer for the daemon's-share figures: its own Automerge document and sync state over a raw
 * socket (no client library code), whose reader stamps the moment each frame was read, before it
 * is applied. {@link #change} stamps the moment its message is handed to the socket; the
 * difference between the two stamps is the daemon's share of a change (plus two loopback hops):
 * neither peer's own Automerge work is in it.
 */
final class StampedPeer implements AutoCloseable {
    private final FrameChannel frames;
    private final Document doc = NativeHandles.newDocument();
    private final SyncState state = NativeHandles.newSyncState();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final Thread reader;
    // guarded by lock
    private Predicate<Document> expected;
    private long expectedReadAt;
    private IOException failure;
    private boolean eof;

    private StampedPeer(FrameChannel frames, String name) {
        this.frames = frames;
        this.reader = new Thread(this::readLoop, "stamped-peer-" + name);
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Connects and sends {@code handshake} (a settings or notebook sync channel's). */
    static StampedPeer connect(Path socket, byte[] handshake, String name) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        FrameChannel frames = new FrameChannel(ch);
        frames.writeFrame(handshake);
        return new StampedPeer(frames, name);
    }

    private void readLoop() {
        try {
            while (true) {
                byte[] frame = frames.readFrame(Frames.DATA_MAX);
                long readAt = System.nanoTime();
                lock.lock();
                try {
                    if (frame == null) {
                        eof = true;
                        return;
                    }
                    doc.receiveSyncMessage(state, frame);
                    if (expected != null && expectedReadAt == 0 && expected.test(doc)) {
                        expectedReadAt = readAt;
                    }
                    send();
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

    /** Under the lock. */
    private void send() throws IOException {
        Optional<byte[]> m = doc.generateSyncMessage(state);
        if (m.isPresent()) {
            frames.writeFrame(m.get());
        }
    }

    /** Changes the local document and sends it; returns when the message was handed to the socket. */
    long change(Consumer<Transaction> edit) throws IOException {
        lock.lock();
        try {
            try (Transaction tx = doc.startTransaction()) {
                edit.accept(tx);
                tx.commit();
            }
            Optional<byte[]> m = doc.generateSyncMessage(state);
            if (m.isEmpty()) {
                throw new IllegalStateException("a change generated no message");
            }
            long sentAt = System.nanoTime();
            frames.writeFrame(m.get());
            return sentAt;
        } finally {
            lock.unlock();
        }
    }

    /** From now on, stamps the first frame after which the document satisfies {@code condition}. */
    void expect(Predicate<Document> condition) {
        lock.lock();
        try {
            expected = condition;
            expectedReadAt = 0;
        } finally {
            lock.unlock();
        }
    }

    /** The read stamp of the frame that brought what {@link #expect} named. */
    long awaitExpected(Duration timeout) throws InterruptedException {
        awaitCondition(() -> expectedReadAt != 0, timeout, "the expected change");
        return expectedReadAt;
    }

    /** Waits until the document satisfies {@code condition}. */
    void await(Predicate<Document> condition, Duration timeout) throws InterruptedException {
        awaitCondition(() -> condition.test(doc), timeout, "a condition");
    }

    /** Waits until this peer and the daemon have exchanged each other's heads: nothing is in flight. */
    void awaitInSync(Duration timeout) throws InterruptedException {
        awaitCondition(() -> state.isInSync(doc), timeout, "sync");
    }

    private void awaitCondition(java.util.function.BooleanSupplier condition, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || eof || failure != null) {
                    throw new IllegalStateException("waited in vain for " + what
                            + (failure != null ? ": " + failure : eof ? ": the daemon closed the connection" : ""));
                }
                arrived.awaitNanos(left);
            }
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
