package io.runtimed.testkit;

import io.runtimed.protocol.Deadlines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A client that writes whatever bytes a test wants (half frames, lying headers, garbage) and reads
 * the daemon's answers frame by frame with a deadline. No protocol code of the product is used to
 * read, so a framing bug cannot hide itself.
 */
public final class RawSocket implements AutoCloseable {
    /** How the daemon ended a connection, seen from the client. */
    public enum Closed {
        /** A clean FIN: read returned -1. */
        EOF,
        /** The daemon closed with bytes of ours unread (Linux then reports ECONNRESET). */
        RESET
    }

    private final SocketChannel channel;

    private RawSocket(SocketChannel channel) {
        this.channel = channel;
    }

    public static RawSocket connect(Path socket) {
        try {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            return new RawSocket(ch);
        } catch (IOException e) {
            throw new UncheckedIOException("connect " + socket, e);
        }
    }

    /** A connection that has already sent {@code handshakeJson} as its first frame. */
    public static RawSocket open(Path socket, String handshakeJson) {
        RawSocket s = connect(socket);
        s.sendFrame(handshakeJson);
        return s;
    }

    /** 4-byte big-endian length, then the payload (PROTOCOL.md §2). */
    public static byte[] frame(byte[] payload) {
        return ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
    }

    public static byte[] frame(String json) {
        return frame(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Only the 4 header bytes announcing {@code length} (unsigned). */
    public static byte[] header(long length) {
        return ByteBuffer.allocate(4).putInt((int) length).array();
    }

    public RawSocket send(byte[] bytes) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                channel.write(b);
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("send", e);
        }
    }

    public RawSocket sendFrame(String json) {
        return send(frame(json));
    }

    public RawSocket sendFrame(byte[] payload) {
        return send(frame(payload));
    }

    /** Exactly {@code n} bytes, or fewer if the daemon closed first. Fails after {@code timeout}. */
    public byte[] readUpTo(int n, Duration timeout) {
        ByteBuffer b = ByteBuffer.allocate(n);
        try (Deadlines.Armed d = Deadlines.arm(channel, timeout)) {
            while (b.hasRemaining()) {
                int r;
                try {
                    r = channel.read(b);
                } catch (AsynchronousCloseException e) {
                    if (d.fired()) {
                        throw new AssertionError("no answer within " + timeout.toMillis() + " ms (got " + b.position()
                                + " of " + n + " bytes)");
                    }
                    throw e;
                }
                if (r < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("read", e);
        }
        byte[] got = new byte[b.position()];
        b.flip().get(got);
        return got;
    }

    /** Exactly {@code n} bytes; EOF first fails the test. */
    public byte[] readExactly(int n, Duration timeout) {
        byte[] got = readUpTo(n, timeout);
        if (got.length != n) {
            throw new AssertionError("connection closed after " + got.length + " of " + n + " expected bytes");
        }
        return got;
    }

    /** The next frame's payload, or null if the daemon closed the connection at a frame boundary. */
    public byte[] readFrame(Duration timeout) {
        byte[] h = readUpTo(4, timeout);
        if (h.length == 0) {
            return null;
        }
        if (h.length < 4) {
            throw new AssertionError("connection closed inside a frame header (" + h.length + " bytes)");
        }
        long length = Integer.toUnsignedLong(ByteBuffer.wrap(h).getInt());
        if (length > 16 * 1024 * 1024) {
            throw new AssertionError("implausible frame length " + length);
        }
        return readExactly((int) length, timeout);
    }

    /** The next frame as text; the connection closing instead fails the test. */
    public String readJson(Duration timeout) {
        byte[] f = readFrame(timeout);
        if (f == null) {
            throw new AssertionError("connection closed where a frame was expected");
        }
        return new String(f, StandardCharsets.UTF_8);
    }

    /**
     * Waits for the daemon to close the connection without sending anything more. A frame arriving
     * instead, or no close within {@code timeout}, fails the test.
     */
    public Closed awaitClose(Duration timeout) {
        try {
            byte[] f = readFrame(timeout);
            if (f != null) {
                throw new AssertionError("expected the connection to close, got a frame: "
                        + new String(f, StandardCharsets.UTF_8));
            }
            return Closed.EOF;
        } catch (UncheckedIOException e) {
            String m = String.valueOf(e.getCause().getMessage());
            if (m.contains("reset")) {
                return Closed.RESET;
            }
            throw e;
        }
    }

    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a socket in a test: nothing to do about a failure
        }
    }
}
