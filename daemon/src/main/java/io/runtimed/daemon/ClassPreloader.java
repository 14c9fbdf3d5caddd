package io.runtimed.daemon;

import io.runtimed.protocol.PoolWire;
import io.runtimed.protocol.UnixSocketWarmUp;
import io.runtimed.server.Posix;

/**
 * Loads what the daemon's first answer needs (logging, the JNA binding for the lock, the pool
 * channel's JSON) on a second core while the main thread parses options. Purely a start-time
 * optimisation: if it has not finished, the main thread simply initialises the same classes itself.
 * (Automerge's native library is loaded by the thread that opens the settings, after the socket
 * listens: the first answer does not need it.)
 */
public final class ClassPreloader {
    private ClassPreloader() {
    }

    private static final java.util.concurrent.atomic.AtomicBoolean STARTED = new java.util.concurrent.atomic.AtomicBoolean();

    /** Starts the warm-up once per process; later calls do nothing. */
    public static void start() {
        if (!STARTED.compareAndSet(false, true)) {
            return;
        }
        // the daemon configures logging itself as soon as slf4j is up: the default console set-up
        // would be built for nothing
        DaemonLogging.expectConfiguration();
        Thread t = new Thread(() -> {
            // in the order the main thread needs them: logging, the lock, the socket, the first answer
            DaemonLogging.context();
            if (Posix.C != null) {
                Posix.C.getpid(); // loads libc through JNA without touching process state
            }
            new UnixSocketWarmUp().run(); // the socket's class, before the main thread binds
            // the first pong is read and written by PoolWire (the mapper is warmed once the daemon is
            // ready: here it would compete with the first answer for the cores)
            PoolWire.warmUp();
        }, "startup-warmup");
        t.setDaemon(true);
        t.start();
    }
}
