package io.runtimed.daemon;

import io.runtimed.server.DaemonLifecycle;
import java.util.List;
import sun.misc.Signal;

/**
 * DAEMON.md §6: SIGTERM and SIGINT ask for the same orderly shutdown as a client's request, so a
 * killed daemon still removes its socket and daemon.json and exits 0.
 */
public final class SignalShutdown {
    private SignalShutdown() {
    }

    public static void install(DaemonLifecycle lifecycle) {
        for (String name : List.of("TERM", "INT")) {
            try {
                Signal.handle(new Signal(name), s -> lifecycle.requestShutdown("SIG" + name));
            } catch (IllegalArgumentException e) {
                // this platform has no such signal (Windows has no TERM); nothing to install
            }
        }
    }
}
