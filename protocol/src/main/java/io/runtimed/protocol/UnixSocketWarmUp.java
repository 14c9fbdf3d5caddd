package io.runtimed.protocol;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;

/**
 * Opens and closes one unconnected UNIX socket channel. The JDK's UNIX-socket class makes a
 * SecureRandom in its static initialiser, which sets up the security providers: 15-40 ms on 2 cores
 * that the first connect (or the daemon's bind) would otherwise pay on the main thread. A warm-up
 * thread calls this while the main thread parses its command line.
 */
public final class UnixSocketWarmUp implements Runnable {
    @Override
    public void run() {
        try (SocketChannel unused = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            // opened and closed: the class is initialised
        } catch (IOException | UnsupportedOperationException e) {
            // no UNIX sockets here: the command reports it where it connects
        }
    }
}
