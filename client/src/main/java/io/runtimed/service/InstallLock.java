package io.runtimed.service;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * Serialises installs, upgrades and uninstalls between processes: two notebook apps opening at
 * once must not both stop the daemon, or copy over each other. Held on {@code <data_local>/runt/.install.lock}
 * for one whole operation (stop, copy, start); the OS releases it if the holder dies.
 */
public final class InstallLock implements AutoCloseable {
    public static final String FILE_NAME = ".install.lock";
    /** Long enough for another app's whole upgrade (stop, copy, start, start-up archive) on a busy machine. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration POLL = Duration.ofMillis(50);

    private final FileChannel channel;
    private final FileLock lock;

    private InstallLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Waits up to {@code timeout} for the lock. */
    public static InstallLock acquire(Path installDir, Duration timeout) throws ServiceException {
        try {
            Files.createDirectories(installDir);
            FileChannel ch = FileChannel.open(installDir.resolve(FILE_NAME), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            long deadline = System.nanoTime() + timeout.toNanos();
            try {
                while (true) {
                    FileLock l = ch.tryLock();
                    if (l != null) {
                        return new InstallLock(ch, l);
                    }
                    if (System.nanoTime() >= deadline) {
                        throw new ServiceException("another install or upgrade of runtimed is still running ("
                                + installDir.resolve(FILE_NAME) + " is locked)");
                    }
                    Thread.sleep(POLL.toMillis()); // another process holds it: nothing to wait on but time
                }
            } catch (IOException | ServiceException | RuntimeException e) {
                ch.close();
                throw e;
            } catch (InterruptedException e) {
                ch.close();
                Thread.currentThread().interrupt();
                throw new ServiceException("interrupted while waiting for " + installDir.resolve(FILE_NAME), e);
            }
        } catch (IOException e) {
            throw new ServiceException("IO error: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // closing the channel releases the lock whatever happened
        }
    }
}
