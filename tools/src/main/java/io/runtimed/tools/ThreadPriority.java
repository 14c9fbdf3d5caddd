package io.runtimed.tools;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.util.OptionalInt;

/**
 * Lowers the CPU priority of the calling thread alone: on Linux a thread has a nice value of its
 * own ({@code setpriority(PRIO_PROCESS, gettid(), n)}); {@link Thread#setPriority} is ignored
 * there. For work that must yield to what a person waits for (the daemon's durability writes yield
 * to the delivery of changes and outputs) on a machine whose cores are all busy; on an idle machine
 * it changes nothing. Elsewhere (macOS, Windows, a libc without {@code gettid}) it does nothing.
 *
 * <p>Never for a thread that starts processes: a child inherits the nice value of the thread that
 * forked it.
 */
public final class ThreadPriority {
    private static final int PRIO_PROCESS = 0;
    private static final int MAX_NICENESS = 19;

    /** glibc's calls (gettid since glibc 2.30). */
    interface Libc extends Library {
        int gettid();

        int getpriority(int which, int who);

        int setpriority(int which, int who, int prio);
    }

    /** Loaded on first use, never on a start path: most processes never lower a thread. */
    private static final class Holder {
        static final Libc C = load();

        private static Libc load() {
            if (!Platform.isLinux()) {
                return null;
            }
            try {
                Libc c = Native.load("libc.so.6", Libc.class);
                c.gettid(); // fails here, once, on a libc without it
                return c;
            } catch (UnsatisfiedLinkError e) {
                return null;
            }
        }
    }

    private ThreadPriority() {
    }

    /**
     * Makes the calling thread {@code by} nicer than it is (at most 19, as {@code nice -n}).
     * Returns the thread's new nice value, or empty where threads cannot be reniced.
     */
    public static OptionalInt lowerCurrentThread(int by) {
        Libc c = Holder.C;
        if (c == null || by <= 0) {
            return OptionalInt.empty();
        }
        int tid = c.gettid();
        int now = c.getpriority(PRIO_PROCESS, tid);
        int wanted = Math.min(MAX_NICENESS, now + by);
        if (c.setpriority(PRIO_PROCESS, tid, wanted) != 0) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(c.getpriority(PRIO_PROCESS, tid));
    }
}
