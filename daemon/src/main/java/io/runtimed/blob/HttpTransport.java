package io.runtimed.blob;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.Locale;

/**
 * The socket layer under the blob HTTP server: Netty's native epoll transport where its library
 * loads (x86-64 Linux: the jar ships it), else the JDK's NIO (macOS, other CPUs). Both send a file
 * body with {@code sendfile}/{@code transferTo}, without copying it through the JVM.
 * {@code -Druntimed.blob.transport=nio} picks NIO on Linux too (for measurements).
 */
enum HttpTransport {
    EPOLL {
        @Override
        IoHandlerFactory ioHandlers() {
            return EpollIoHandler.newFactory();
        }

        @Override
        Class<? extends ServerChannel> serverChannel() {
            return EpollServerSocketChannel.class;
        }
    },
    NIO {
        @Override
        IoHandlerFactory ioHandlers() {
            return NioIoHandler.newFactory();
        }

        @Override
        Class<? extends ServerChannel> serverChannel() {
            return NioServerSocketChannel.class;
        }
    };

    abstract IoHandlerFactory ioHandlers();

    abstract Class<? extends ServerChannel> serverChannel();

    /** Epoll when its native library loads here, else NIO; the system property can force NIO. */
    static HttpTransport best() {
        String wanted = System.getProperty("runtimed.blob.transport", "").toLowerCase(Locale.ROOT);
        if (wanted.equals("nio")) {
            return NIO;
        }
        return Epoll.isAvailable() ? EPOLL : NIO;
    }
}
