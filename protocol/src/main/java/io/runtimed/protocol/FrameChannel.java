package io.runtimed.protocol;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Length-prefixed frames over a blocking byte channel (PROTOCOL.md §2), for both the daemon and its
 * clients. One thread reads while any number of threads write: writes are serialised so frames are
 * never interleaved, and reading never blocks writing (the channel's own read and write locks are
 * separate; {@code Channels.newInputStream} would share one and deadlock a pushing sync peer).
 *
 * <p>Every read and write may carry a timeout; when it passes the channel is closed and a
 * {@link FrameTimeoutException} is thrown.
 */
public final class FrameChannel implements AutoCloseable {
    private static final int BUFFER_BYTES = 16 * 1024;

    private final ByteChannel channel;
    private final ByteBuffer in = ByteBuffer.allocateDirect(BUFFER_BYTES).flip();
    private final ByteBuffer header = ByteBuffer.allocate(Frames.HEADER_BYTES);
    private final ReentrantLock writeLock = new ReentrantLock();

    public FrameChannel(ByteChannel channel) {
        this.channel = channel;
    }

    /**
     * Reads one frame's header. Returns the payload length, or -1 on a clean disconnect (EOF before
     * all four header bytes, even after some of them). A length above {@code limit} throws
     * {@link FrameTooLargeException} before a single payload byte is read.
     */
    public int readLength(int limit, Duration timeout) throws IOException {
        try (Deadlines.Armed d = Deadlines.arm(channel, timeout)) {
            return guard(d, timeout, "reading a frame header", () -> {
                if (!fill(Frames.HEADER_BYTES, false)) {
                    return -1;
                }
                long length = Integer.toUnsignedLong(in.getInt());
                if (length > limit) {
                    throw new FrameTooLargeException(length, limit);
                }
                return (int) length;
            });
        }
    }

    /** Reads exactly {@code length} payload bytes; EOF inside a payload is an error. */
    public byte[] readPayload(int length, Duration timeout) throws IOException {
        try (Deadlines.Armed d = Deadlines.arm(channel, timeout)) {
            return guard(d, timeout, "reading a frame payload", () -> {
                byte[] payload = new byte[length];
                int done = 0;
                while (done < length) {
                    if (!in.hasRemaining() && !fill(1, true)) {
                        throw new EOFException("connection closed inside a frame");
                    }
                    int n = Math.min(in.remaining(), length - done);
                    in.get(payload, done, n);
                    done += n;
                }
                return payload;
            });
        }
    }

    /**
     * Streams exactly {@code length} payload bytes into {@code sink} without holding the whole
     * payload in memory (blob data frames may be 100 MiB).
     */
    public void transferPayload(int length, WritableByteChannel sink, Duration timeout) throws IOException {
        try (Deadlines.Armed d = Deadlines.arm(channel, timeout)) {
            guard(d, timeout, "reading a frame payload", () -> {
                long left = length;
                while (left > 0) {
                    if (!in.hasRemaining() && !fill(1, true)) {
                        throw new EOFException("connection closed inside a frame");
                    }
                    ByteBuffer slice = in.slice();
                    int n = (int) Math.min(slice.remaining(), left);
                    slice.limit(n);
                    while (slice.hasRemaining()) {
                        sink.write(slice);
                    }
                    in.position(in.position() + n);
                    left -= n;
                }
                return null;
            });
        }
    }

    /** Reads one whole frame, or returns null on a clean disconnect. */
    public byte[] readFrame(int limit, Duration timeout) throws IOException {
        int length = readLength(limit, timeout);
        return length < 0 ? null : readPayload(length, timeout);
    }

    public byte[] readFrame(int limit) throws IOException {
        return readFrame(limit, null);
    }

    /** Writes one frame (header and payload in one gathering write where the OS allows). */
    public void writeFrame(byte[] payload, Duration timeout) throws IOException {
        writeLock.lock();
        try (Deadlines.Armed d = Deadlines.arm(channel, timeout)) {
            guard(d, timeout, "writing a frame", () -> {
                header.clear();
                header.putInt(payload.length).flip();
                ByteBuffer body = ByteBuffer.wrap(payload);
                if (channel instanceof GatheringByteChannel g) {
                    ByteBuffer[] both = {header, body};
                    while (body.hasRemaining() || header.hasRemaining()) {
                        g.write(both);
                    }
                } else {
                    while (header.hasRemaining()) {
                        channel.write(header);
                    }
                    while (body.hasRemaining()) {
                        channel.write(body);
                    }
                }
                return null;
            });
        } finally {
            writeLock.unlock();
        }
    }

    public void writeFrame(byte[] payload) throws IOException {
        writeFrame(payload, null);
    }

    /**
     * Writes {@code payloads} as consecutive frames, in order, with one gathering write where the
     * OS allows (one system call, and on the other end one wake-up, for a burst of small frames).
     */
    public void writeFrames(List<byte[]> payloads) throws IOException {
        if (payloads.isEmpty()) {
            return;
        }
        if (payloads.size() == 1) {
            writeFrame(payloads.get(0), null);
            return;
        }
        if (!(channel instanceof GatheringByteChannel g)) {
            for (byte[] payload : payloads) {
                writeFrame(payload, null);
            }
            return;
        }
        ByteBuffer[] buffers = new ByteBuffer[2 * payloads.size()];
        for (int i = 0; i < payloads.size(); i++) {
            byte[] payload = payloads.get(i);
            buffers[2 * i] = ByteBuffer.allocate(Frames.HEADER_BYTES).putInt(0, payload.length);
            buffers[2 * i + 1] = ByteBuffer.wrap(payload);
        }
        // buffers fill in order: done once the last header and the last (maybe empty) payload are
        ByteBuffer lastHeader = buffers[buffers.length - 2];
        ByteBuffer lastPayload = buffers[buffers.length - 1];
        writeLock.lock();
        try {
            while (lastHeader.hasRemaining() || lastPayload.hasRemaining()) {
                g.write(buffers);
            }
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Writes one frame of {@code length} bytes read from {@code source}, without holding the
     * payload in memory (blob data frames may be 100 MiB). If the source ends early the frame is
     * broken: an {@link EOFException} is thrown and the caller must close the connection.
     */
    public void writeFrame(ReadableByteChannel source, int length, Duration timeout) throws IOException {
        writeLock.lock();
        try (Deadlines.Armed d = Deadlines.arm(channel, timeout)) {
            guard(d, timeout, "writing a frame", () -> {
                header.clear();
                header.putInt(length).flip();
                while (header.hasRemaining()) {
                    channel.write(header);
                }
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(length, BUFFER_BYTES * 4L));
                long left = length;
                while (left > 0) {
                    buf.clear().limit((int) Math.min(buf.capacity(), left));
                    int n = source.read(buf);
                    if (n < 0) {
                        throw new EOFException("source ended " + left + " bytes before the end of the frame");
                    }
                    buf.flip();
                    while (buf.hasRemaining()) {
                        channel.write(buf);
                    }
                    left -= n;
                }
                return null;
            });
        } finally {
            writeLock.unlock();
        }
    }

    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Makes at least {@code need} bytes available in the read buffer; false on EOF before that. */
    private boolean fill(int need, boolean any) throws IOException {
        while (in.remaining() < need) {
            in.compact();
            int n;
            try {
                n = channel.read(in);
            } finally {
                in.flip();
            }
            if (n < 0) {
                return false;
            }
            if (any && in.hasRemaining()) {
                return true;
            }
        }
        return true;
    }

    private interface IoAction<T> {
        T run() throws IOException;
    }

    private static <T> T guard(Deadlines.Armed d, Duration timeout, String what, IoAction<T> action) throws IOException {
        try {
            return action.run();
        } catch (AsynchronousCloseException e) {
            if (d.fired()) {
                throw new FrameTimeoutException(what, timeout);
            }
            throw e;
        }
    }
}
