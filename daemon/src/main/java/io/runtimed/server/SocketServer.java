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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Unix socket: binds it owner-only (0600; it is the only authentication there is), accepts
 * connections and serves each on its own thread, so a slow or silent client never delays another.
 */
public final class SocketServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SocketServer.class);
    private static final int BACKLOG = 1024;

    private final Path socket;
    private final ConnectionRouter router;
    private final ServerSocketChannel server;
    private final ExecutorService connections;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();
    private final Thread acceptor;

    private SocketServer(Path socket, ConnectionRouter router, ServerSocketChannel server) {
        this.socket = socket;
        this.router = router;
        this.server = server;
        this.connections = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "peer-new");
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "socket-accept");
        this.acceptor.setDaemon(true);
    }

    /** Binds the socket at {@code socket} (replacing a stale file; the caller holds the lock) and starts accepting. */
    public static SocketServer start(Path socket, ConnectionRouter router) throws IOException {
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
        SocketServer s = new SocketServer(socket, router, server);
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
