package io.runtimed.cli.runtimed;

import java.io.IOException;
import java.net.Proxy;
import java.net.URI;
import java.net.URLConnection;

/**
 * Sets up the JDK's http client classes without any I/O, for doctor's blob server check: the first
 * http URL of a process asks every jar of the class path for a {@code URLStreamHandlerProvider}
 * (the JDK then caches the handler it falls back to), and the first connection object starts the
 * JDK's platform logging. About 30 ms on 2 cores that a warm-up thread spends while the main thread
 * parses the command line and asks the daemon.
 */
final class HttpWarmUp {
    private HttpWarmUp() {
    }

    static void run() {
        try {
            // made, never connected
            URLConnection unused = URI.create("http://127.0.0.1/").toURL().openConnection(Proxy.NO_PROXY);
        } catch (IOException | RuntimeException e) {
            // nothing to warm: the check reports its own failure
        }
    }
}
