package io.runtimed.paths;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whole-file writes that a reader (or a crash) never sees half done: write a temporary file next to
 * the target and fsync it, rename it over the target, fsync the directory (SETTINGS.md §6: the
 * reference overwrites in place; a Java port SHOULD rename). After a return the new content
 * survives a crash.
 */
public final class AtomicFiles {
    private static final long PID = ProcessHandle.current().pid();
    private static final AtomicLong SEQUENCE = new AtomicLong();

    private AtomicFiles() {
    }

    /** Replaces {@code target} with {@code bytes}, creating parent directories as needed. */
    public static void write(Path target, byte[] bytes) throws IOException {
        replace(target, bytes, null);
    }

    /**
     * Replaces {@code target} with {@code bytes} only if it still holds {@code expected} (null: does
     * not exist) at the moment of the rename; returns false and leaves it alone otherwise. For a
     * file that people edit too: the window in which their save could be lost shrinks from the
     * whole write to a read and a rename.
     */
    public static boolean replaceIfUnchanged(Path target, byte[] bytes, byte[] expected) throws IOException {
        return replace(target, bytes, expected == null ? ABSENT : expected);
    }

    private static final byte[] ABSENT = new byte[0];

    /** {@code expected}: null = replace whatever is there; ABSENT = only if missing; else only if equal. */
    private static boolean replace(Path target, byte[] bytes, byte[] expected) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // a plain unique name: createTempFile's random names cost a SecureRandom seeding at start
        Path tmp = dir.resolve("." + target.getFileName() + "." + PID + "." + SEQUENCE.incrementAndGet() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            keepPermissions(target, tmp);
            if (expected != null && !holds(target, expected)) {
                return false;
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            syncDirectory(dir);
            return true;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Makes a rename in {@code dir} durable; some file systems cannot, and then the rename is only atomic. */
    public static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // not supported here
        }
    }

    private static boolean holds(Path target, byte[] expected) throws IOException {
        if (expected == ABSENT) {
            return Files.notExists(target);
        }
        try {
            return Arrays.equals(Files.readAllBytes(target), expected);
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /**
     * A file the user already has keeps the mode it had; a new one gets the usual 0644 (its
     * directory decides who may enter), whatever the umask.
     */
    private static void keepPermissions(Path target, Path tmp) throws IOException {
        try {
            Set<PosixFilePermission> mode;
            try {
                mode = Files.getPosixFilePermissions(target);
            } catch (NoSuchFileException e) {
                mode = PosixFilePermissions.fromString("rw-r--r--");
            }
            Files.setPosixFilePermissions(tmp, mode);
        } catch (UnsupportedOperationException e) {
            // no POSIX modes on this file system
        }
    }
}
