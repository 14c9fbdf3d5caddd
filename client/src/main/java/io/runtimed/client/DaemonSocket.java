package io.runtimed.client;

import io.runtimed.protocol.Deadlines;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Handshake;
import io.runtimed.protocol.PoolWire;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;

/** Opens a connection to the daemon's socket and sends its handshake (PROTOCOL.md §1, §3). */
public final class DaemonSocket {
    private DaemonSocket() {
    }

    /** Connects within {@code connectTimeout} and picks {@code channel}. */
    public static FrameChannel open(Path socket, Handshake channel, Duration connectTimeout)
            throws DaemonClientException {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            throw new DaemonClientException(DaemonClientException.Kind.NOT_REACHABLE,
                    "Failed to connect to daemon: " + e.getMessage(), e);
        }
        try (Deadlines.Armed deadline = Deadlines.arm(ch, connectTimeout)) {
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (AsynchronousCloseException e) {
                if (deadline.fired()) {
                    throw new DaemonClientException(DaemonClientException.Kind.NOT_REACHABLE,
                            "Connection timeout (" + socket + ")", e);
                }
                throw e;
            }
        } catch (DaemonClientException e) {
            throw e;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new DaemonClientException(DaemonClientException.Kind.NOT_REACHABLE,
                    "Failed to connect to daemon at " + socket + ": " + withOsError(e.getMessage()), e);
        }
        FrameChannel frames = new FrameChannel(ch);
        try {
            frames.writeFrame(PoolWire.handshake(channel), connectTimeout);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new DaemonClientException(DaemonClientException.Kind.PROTOCOL,
                    "Protocol error: handshake: " + e.getMessage(), e);
        }
        return frames;
    }

    /** The reference prints Rust's io::Error text, which carries the errno; keep that wording. */
    static String withOsError(String message) {
        if (message == null) {
            return "unknown error";
        }
        boolean mac = System.getProperty("os.name", "").toLowerCase().startsWith("mac");
        if (message.equals("No such file or directory")) {
            return message + " (os error 2)";
        }
        if (message.equals("Connection refused")) {
            return message + " (os error " + (mac ? 61 : 111) + ")";
        }
        if (message.equals("Permission denied")) {
            return message + " (os error 13)";
        }
        return message;
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
