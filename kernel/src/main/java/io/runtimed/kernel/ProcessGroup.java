package io.runtimed.kernel;

import com.sun.jna.LastErrorException;

/**
 * A kernel's process group (KERNELS.md §5.4 (ours)): the kernel is started through setsid, so its
 * pid is also its group id, and signals go to the whole group so that whatever the kernel spawned
 * goes with it.
 */
record ProcessGroup(long pgid) {

    /** The group of a running process, or -1 when the process is gone. */
    static long of(long pid) {
        try {
            return LibC.C.getpgid((int) pid);
        } catch (LastErrorException e) {
            return -1;
        }
    }

    /** Sends {@code signal} to every member; false when the group has no members left (ESRCH). */
    boolean signal(int signal) {
        try {
            LibC.C.kill((int) -pgid, signal);
            return true;
        } catch (LastErrorException e) {
            // EPERM: the group exists but is not ours (a reused id); never ours to signal
            return e.getErrorCode() != LibC.ESRCH;
        }
    }

    /** kill(-pgid, 0): does any process of the group still exist (zombies included)? */
    boolean exists() {
        return signal(0);
    }
}
