package io.runtimed.server;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The few libc calls the JDK does not offer: BSD {@code flock(2)} (the original daemon's lock; the
 * JDK's FileLock is fcntl on Linux and does not conflict with it), {@code open(2)} with O_CLOEXEC
 * so that child processes never inherit the lock, and {@code umask(2)} so the socket is born 0600.
 */
public interface Posix extends Library {
    // glibc by its soname: JNA looks a bare "c" up with ldconfig -p, a process start on the daemon's start path
    Posix C = Platform.isWindows() ? null : Native.load(Platform.isLinux() ? "libc.so.6" : "c", Posix.class);

    int LOCK_EX = 2;
    int LOCK_NB = 4;
    int O_WRONLY = 1;
    int O_CREAT = Platform.isMac() ? 0x200 : 0100;
    int O_TRUNC = Platform.isMac() ? 0x400 : 01000;
    int O_CLOEXEC = Platform.isMac() ? 0x1000000 : 02000000;
    int EWOULDBLOCK = Platform.isMac() ? 35 : 11;

    int open(String path, int flags, int mode) throws LastErrorException;

    int flock(int fd, int operation) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int umask(int mask);

    int getpid();
}
