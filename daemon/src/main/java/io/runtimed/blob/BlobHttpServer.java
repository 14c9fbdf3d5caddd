package io.runtimed.blob;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BLOBS.md §5: the read-only HTTP server on {@code 127.0.0.1} at an OS-chosen port, on Netty (see
 * {@link BlobHttpHandler} for what it answers). One thread accepts ({@code blob-http-accept}), two
 * event loops ({@code blob-http-io-<n>}) serve every connection; a file body goes from the page
 * cache to the socket with sendfile, so neither memory nor threads grow with blob size or with the
 * number of clients.
 */
public final class BlobHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BlobHttpServer.class);
    /**
     * Event loops serving connections: one per core of a small machine matches nginx's
     * {@code worker_processes auto} on 2 cores. {@code -Druntimed.blob.httpThreads} overrides it.
     */
    private static final int IO_THREADS = Integer.getInteger("runtimed.blob.httpThreads", 2);
    /**
     * A connection with neither a request nor any progress of an answer for this long is closed
     * (the JDK server this replaced closed idle connections after 30 s, and dropped a client that
     * took 30 s to send its headers).
     */
    static final long IDLE_SECONDS = 30;
    /** A valid request line is ~80 bytes; longer ones are 414, larger header blocks 431 (nginx's limits). */
    private static final int MAX_REQUEST_LINE = 8 * 1024;
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final int BACKLOG = 128;
    /** Each connection's socket send buffer limit (the kernel doubles it for its bookkeeping). */
    static final int SEND_BUFFER_BYTES = 4 << 20;

    private final Channel listening;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup io;

    private BlobHttpServer(Channel listening, EventLoopGroup acceptor, EventLoopGroup io) {
        this.listening = listening;
        this.acceptor = acceptor;
        this.io = io;
    }

    /** Starts on {@code 127.0.0.1} at a port the OS picks (BLOBS.md §5). */
    public static BlobHttpServer start(BlobStore store) throws IOException {
        return start(store, new InetSocketAddress(InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1}), 0),
                HttpTransport.best());
    }

    static BlobHttpServer start(BlobStore store, InetSocketAddress address, HttpTransport transport) throws IOException {
        EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1, threads("blob-http-accept", false),
                transport.ioHandlers());
        EventLoopGroup io = new MultiThreadIoEventLoopGroup(IO_THREADS, threads("blob-http-io-", true),
                transport.ioHandlers());
        BlobReader reader = new BlobReader(store);
        ByteBufAllocator buffers = smallPooledAllocator(IO_THREADS);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptor, io)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, BACKLOG)
                .option(ChannelOption.ALLOCATOR, buffers)
                .childOption(ChannelOption.ALLOCATOR, buffers)
                // a request is a few hundred bytes: small reads, never the default 64 KiB
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(64, 1024, 16 * 1024))
                // headers and a small body leave in one segment, without waiting for the client's ACK
                .childOption(ChannelOption.TCP_NODELAY, true)
                // a large blob leaves in fewer, larger sendfile calls and wake-ups than with the
                // kernel's send buffer autotuning (which starts at 16 KiB): +4% MB/s on a 100 MB
                // blob in the bench (interleaved, 4 runs each). Only a limit: memory is taken as queued.
                .childOption(ChannelOption.SO_SNDBUF, SEND_BUFFER_BYTES)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(
                                new HttpServerCodec(new HttpDecoderConfig()
                                        .setMaxInitialLineLength(MAX_REQUEST_LINE)
                                        .setMaxHeaderSize(MAX_HEADER_BYTES)),
                                new IdleStateHandler(true, 0, 0, IDLE_SECONDS, TimeUnit.SECONDS),
                                new BlobHttpHandler(reader));
                    }
                });
        ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            shutDown(acceptor, io);
            throw new IOException("cannot listen on " + address + ": " + bound.cause().getMessage(), bound.cause());
        }
        BlobHttpServer s = new BlobHttpServer(bound.channel(), acceptor, io);
        LOG.info("blob server on http://127.0.0.1:{}/ ({})", s.port(), transport.name().toLowerCase(java.util.Locale.ROOT));
        return s;
    }

    /**
     * Netty's default allocator keeps arenas of 4 MiB chunks per thread; a per-user daemon serves
     * headers and small blobs from memory (file bodies never enter it), so one arena per event loop
     * with 256 KiB chunks is plenty and keeps the idle footprint to a few hundred KiB.
     */
    private static ByteBufAllocator smallPooledAllocator(int arenas) {
        int pageSize = 8192;
        int maxOrder = 5; // chunk = pageSize << maxOrder = 256 KiB
        return new PooledByteBufAllocator(true, 0, arenas, pageSize, maxOrder, 64, 16, false);
    }

    private static ThreadFactory threads(String name, boolean numbered) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new FastThreadLocalThread(r, numbered ? name + n.incrementAndGet() : name);
            t.setDaemon(true);
            return t;
        };
    }

    public int port() {
        return ((InetSocketAddress) listening.localAddress()).getPort();
    }

    /** Stops listening and drops connections in progress; returns once the threads have ended. */
    @Override
    public void close() {
        listening.close().awaitUninterruptibly();
        shutDown(acceptor, io);
    }

    private static void shutDown(EventLoopGroup acceptor, EventLoopGroup io) {
        // no quiet period: connections still open are closed at once
        acceptor.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        io.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        acceptor.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
        io.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
