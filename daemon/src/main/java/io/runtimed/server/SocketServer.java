package io.runtimed.server;

import io.runtimed.protocol.FrameChannel;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Unix socket: binds it owner-only (0600; it is the only authentication there is), accepts
 * connections and serves each on its own thread, so a slow or silent client never delays another.
 *
 * <p>A connection's thread waits for the next connection for {@link #IDLE_THREAD_KEEP_ALIVE} after
 * its own ended, then ends (a burst of short requests reuses threads; an idle daemon keeps none).
 * A notebook peer's thread ran Automerge on its stack and holds glibc's per-thread caches, about
 * half a megabyte that only goes back to the system when the thread ends (issue 16).
 */
public final class SocketServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SocketServer.class);
    private static final int BACKLOG = 1024;
    /** How long a thread whose connection ended waits for another one before it ends. */
    public static final Duration IDLE_THREAD_KEEP_ALIVE = Duration.ofSeconds(2);

    private final Path socket;
    private final ConnectionRouter router;
    private final ServerSocketChannel server;
    private final ExecutorService connections;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();
    private final Thread acceptor;

    private SocketServer(Path socket, ConnectionRouter router, ServerSocketChannel server, Duration idleThreadKeepAlive) {
        this.socket = socket;
        this.router = router;
        this.server = server;
        // a cached pool, but idle threads end after the keep-alive instead of the JDK's 60 s
        this.connections = new ThreadPoolExecutor(0, Integer.MAX_VALUE, idleThreadKeepAlive.toNanos(),
                TimeUnit.NANOSECONDS, new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "peer-new");
                    t.setDaemon(true);
                    return t;
                });
        this.acceptor = new Thread(this::acceptLoop, "socket-accept");
        this.acceptor.setDaemon(true);
    }

    /** Binds the socket at {@code socket} (replacing a stale file; the caller holds the lock) and starts accepting. */
    public static SocketServer start(Path socket, ConnectionRouter router) throws IOException {
        return start(socket, router, IDLE_THREAD_KEEP_ALIVE);
    }

    /** As {@link #start(Path, ConnectionRouter)}, with idle connection threads kept for {@code idleThreadKeepAlive}. */
    public static SocketServer start(Path socket, ConnectionRouter router, Duration idleThreadKeepAlive)
            throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        // umask 077 while binding: the socket is born 0600, with no window in which others may connect.
        int previous = Posix.C == null ? -1 : Posix.C.umask(0077);
        try {
            server.bind(UnixDomainSocketAddress.of(socket), BACKLOG);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on " + socket + ": " + e.getMessage(), e);
        } finally {
            if (previous >= 0) {
                Posix.C.umask(previous);
            }
        }
        if (Posix.C != null) {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        }
        SocketServer s = new SocketServer(socket, router, server, idleThreadKeepAlive);
        s.acceptor.start();
        LOG.info("listening on {}", socket);
        return s;
    }

    public Path socket() {
        return socket;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.warn("accept failed: {}", e.getMessage());
                continue;
            }
            long id = ids.incrementAndGet();
            open.add(client);
            try {
                connections.execute(() -> {
                    Thread.currentThread().setName("peer-handshake-" + id);
                    try {
                        router.serve(new Connection(id, new FrameChannel(client)));
                    } finally {
                        open.remove(client);
                        Thread.currentThread().setName("peer-idle");
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                open.remove(client);
                closeQuietly(client);
            }
        }
    }

    /** Stops accepting and removes the socket file; connections already open keep going. */
    public void stopAccepting() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing the listener: {}", e.getMessage());
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("could not remove {}: {}", socket, e.getMessage());
        }
    }

    /** Stops accepting and drops every open connection. */
    @Override
    public void close() {
        stopAccepting();
        connections.shutdown();
        for (SocketChannel c : open) {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
