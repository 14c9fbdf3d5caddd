package io.runtimed.daemon;

import io.runtimed.protocol.DaemonInfo;

/** Another daemon holds the lock; carries what its daemon.json says (or a placeholder). */
public final class AlreadyRunningException extends Exception {
    private final DaemonInfo running;

    public AlreadyRunningException(DaemonInfo running) {
        super("Another daemon is already running: " + running.debugString());
        this.running = running;
    }

    public DaemonInfo running() {
        return running;
    }
}
