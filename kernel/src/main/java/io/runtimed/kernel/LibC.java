package io.runtimed.kernel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/** The libc calls the JDK does not offer for process groups: {@code kill(2)} and {@code getpgid(2)}. */
interface LibC extends Library {
    // glibc by its soname: JNA looks a bare "c" up with ldconfig -p, a process start on the daemon's start path
    LibC C = Platform.isWindows() ? null : Native.load(Platform.isLinux() ? "libc.so.6" : "c", LibC.class);

    int SIGINT = 2;
    int SIGKILL = 9;
    int SIGTERM = 15;
    int ESRCH = 3;

    int kill(int pid, int signal) throws LastErrorException;

    int getpgid(int pid) throws LastErrorException;
}
