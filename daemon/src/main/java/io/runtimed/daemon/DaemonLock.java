package io.runtimed.daemon;

import com.sun.jna.LastErrorException;
import com.sun.jna.Platform;
import io.runtimed.server.Posix;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * DAEMON.md §3: the singleton lock on daemon.lock, held for the daemon's whole life. On Unix it is
 * an exclusive non-blocking BSD flock, so this daemon and the original exclude each other; the OS
 * releases it on any exit, so a killed daemon never leaves a stale lock. The file is never deleted.
 */
public final class DaemonLock implements AutoCloseable {
    private final int fd;
    private final FileChannel windowsChannel;
    private boolean released;

    private DaemonLock(int fd, FileChannel windowsChannel) {
        this.fd = fd;
        this.windowsChannel = windowsChannel;
    }

    /** The lock, or empty when another process holds it. */
    public static Optional<DaemonLock> tryAcquire(Path lockFile) throws IOException {
        if (Platform.isWindows()) {
            return tryAcquireWindows(lockFile);
        }
        int fd;
        try {
            fd = Posix.C.open(lockFile.toString(), Posix.O_WRONLY | Posix.O_CREAT | Posix.O_TRUNC | Posix.O_CLOEXEC, 0644);
        } catch (LastErrorException e) {
            throw new IOException("cannot open " + lockFile + ": " + e.getMessage(), e);
        }
        try {
            Posix.C.flock(fd, Posix.LOCK_EX | Posix.LOCK_NB);
            return Optional.of(new DaemonLock(fd, null));
        } catch (LastErrorException e) {
            closeQuietly(fd);
            if (e.getErrorCode() == Posix.EWOULDBLOCK) {
                return Optional.empty();
            }
            throw new IOException("cannot lock " + lockFile + ": " + e.getMessage(), e);
        }
    }

    // LockFileEx on byte 0, length 1: the call the reference makes, so the two exclude each other.
    private static Optional<DaemonLock> tryAcquireWindows(Path lockFile) throws IOException {
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        FileLock lock = ch.tryLock(0, 1, false);
        if (lock == null) {
            ch.close();
            return Optional.empty();
        }
        return Optional.of(new DaemonLock(-1, ch));
    }

    private static void closeQuietly(int fd) {
        try {
            Posix.C.close(fd);
        } catch (LastErrorException ignored) {
            // the descriptor is gone either way
        }
    }

    /** Releases the lock (closing the descriptor releases the flock). */
    @Override
    public synchronized void close() throws IOException {
        if (released) {
            return;
        }
        released = true;
        if (windowsChannel != null) {
            windowsChannel.close();
        } else {
            closeQuietly(fd);
        }
    }
}
