package io.runtimed.execution;

import io.runtimed.kernel.KernelListener;
import io.runtimed.kernel.KernelMessage;

/**
 * The listener a kernel is launched with before anyone owns it (a pooled kernel waits for its
 * notebook): events before {@link #attach} are dropped, except death, which the owner is told
 * when it attaches. Death reaches the owner exactly once either way.
 */
final class ListenerSwitch implements KernelListener {
    private volatile KernelListener target;
    // guarded by this
    private String deathReason;

    @Override
    public void onIopub(KernelMessage message) {
        KernelListener t = target;
        if (t != null) {
            t.onIopub(message);
        }
    }

    @Override
    public void onShellReply(KernelMessage message) {
        KernelListener t = target;
        if (t != null) {
            t.onShellReply(message);
        }
    }

    @Override
    public void onDeath(String reason) {
        KernelListener t;
        synchronized (this) {
            deathReason = reason;
            t = target;
        }
        if (t != null) {
            t.onDeath(reason);
        }
    }

    /** Hands every later event to {@code owner}; if the kernel already died, {@code owner} hears it now. */
    void attach(KernelListener owner) {
        String dead;
        synchronized (this) {
            target = owner;
            dead = deathReason;
        }
        if (dead != null) {
            owner.onDeath(dead);
        }
    }

    synchronized boolean dead() {
        return deathReason != null;
    }
}
