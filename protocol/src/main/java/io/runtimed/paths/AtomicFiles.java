package io.runtimed.paths;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way runtimed replaces a whole file, so that a reader (or a crash) never sees it half
 * done: write a temporary file beside the target and fsync it, rename it over the target, fsync the
 * directory (SETTINGS.md §6: the reference overwrites in place; a Java port SHOULD rename). After a
 * return the new content survives a crash; after a failure or a crash the target holds its old
 * content, whole.
 *
 * <p>The temporary file is {@code .<target name>.<pid>.<n>.tmp}: unique within the process, so
 * concurrent replacements of one target never share it, and a crash leaves it for
 * {@link #deleteLeftovers} to find. It is never renamed over the target by anyone but its writer.
 *
 * <p>Modes: a file that exists keeps its mode, a new one gets {@code 0644} whatever the umask (its
 * directory decides who may enter), unless the caller names one (the installed launchers: 0755).
 */
public final class AtomicFiles {
    /** {@code rwxr-xr-x}: launchers and other programs. */
    public static final Set<PosixFilePermission> EXECUTABLE = PosixFilePermissions.fromString("rwxr-xr-x");
    /** {@code rw-r--r--}: what a new file gets when the caller names no mode. */
    public static final Set<PosixFilePermission> NEW_FILE = PosixFilePermissions.fromString("rw-r--r--");

    private static final long PID = ProcessHandle.current().pid();
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final String TEMP_SUFFIX = ".tmp";
    /** What follows {@code .<target name>.} in a temporary file's name: {@code <pid>.<n>.tmp}. */
    private static final Pattern TEMP_REST = Pattern.compile("([0-9]+)\\.[0-9]+\\.tmp");

    private AtomicFiles() {
    }

    /** Fills the temporary file; it is fsynced afterwards. */
    @FunctionalInterface
    private interface Content {
        void writeTo(FileChannel out) throws IOException;
    }

    /** Replaces {@code target} with {@code bytes}, creating parent directories as needed. */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, ByteBuffer.wrap(bytes));
    }

    /** Replaces {@code target} with the remaining bytes of {@code bytes} (which it consumes). */
    public static void write(Path target, ByteBuffer bytes) throws IOException {
        replace(target, out -> writeFully(out, bytes), null, null);
    }

    /**
     * Replaces {@code target} with a copy of {@code source}'s bytes, with {@code mode} (e.g.
     * {@link #EXECUTABLE}; ignored where the file system has no POSIX modes). The copy is streamed,
     * never read into memory.
     */
    public static void copy(Path source, Path target, Set<PosixFilePermission> mode) throws IOException {
        replace(target, out -> {
            try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ)) {
                long size = in.size();
                long done = 0;
                while (done < size) {
                    long n = in.transferTo(done, size - done, out);
                    if (n <= 0) {
                        break; // the source shrank meanwhile: copy what there is
                    }
                    done += n;
                }
            }
        }, mode, null);
    }

    /**
     * Replaces {@code target} with {@code bytes} only if it still holds {@code expected} (null: does
     * not exist) at the moment of the rename; returns false and leaves it alone otherwise. For a
     * file that people edit too: the window in which their save could be lost shrinks from the
     * whole write to a read and a rename.
     */
    public static boolean replaceIfUnchanged(Path target, byte[] bytes, byte[] expected) throws IOException {
        return replace(target, out -> writeFully(out, ByteBuffer.wrap(bytes)), null,
                expected == null ? ABSENT : expected);
    }

    private static final byte[] ABSENT = new byte[0];

    /**
     * The whole rule, for every public form. {@code mode}: null = keep the target's, else 0644.
     * {@code expected}: null = replace whatever is there; ABSENT = only if missing; else only if equal.
     */
    private static boolean replace(Path target, Content content, Set<PosixFilePermission> mode, byte[] expected)
            throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // a plain unique name: createTempFile's random names cost a SecureRandom seeding at start
        Path tmp = dir.resolve(tempName(target.getFileName().toString(), PID, SEQUENCE.incrementAndGet()));
        try {
            try (FileChannel out = createTemp(tmp)) {
                content.writeTo(out);
                out.force(true);
            }
            setMode(tmp, mode != null ? mode : modeToKeep(target));
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

    /**
     * A file of this name can only be a leftover of an earlier process that had our pid and
     * crashed (pids are reused, in containers often the same one at every start): it is removed,
     * never written through (it might be a link).
     */
    private static FileChannel createTemp(Path tmp) throws IOException {
        try {
            return FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            Files.delete(tmp);
            return FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    static String tempName(String targetName, long pid, long sequence) {
        return "." + targetName + "." + pid + "." + sequence + TEMP_SUFFIX;
    }

    /** The sequence number the next replacement's temporary file will carry (tests). */
    static long nextSequence() {
        return SEQUENCE.get() + 1;
    }

    /**
     * Removes the temporary files that replacements of {@code target} left when their process died
     * before the rename (a crash, {@code kill -9}); returns how many. Files of running processes,
     * this one included, are left alone, so it is safe while others write. For big files that are
     * replaced often, where leftovers would add up.
     */
    public static int deleteLeftovers(Path target) {
        Path dir = target.toAbsolutePath().getParent();
        String prefix = "." + target.getFileName() + ".";
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir,
                p -> p.getFileName().toString().startsWith(prefix))) {
            for (Path entry : entries) {
                long pid = writerPid(entry.getFileName().toString().substring(prefix.length()));
                if (pid > 0 && pid != PID && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)
                        && Files.deleteIfExists(entry)) {
                    removed++;
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return 0;
        } catch (IOException e) {
            // left for the next time; they only take space
        }
        return removed;
    }

    /** The pid in {@code <pid>.<n>.tmp}, or -1 when {@code rest} is not that (another file). */
    private static long writerPid(String rest) {
        Matcher m = TEMP_REST.matcher(rest);
        if (!m.matches()) {
            return -1;
        }
        try {
            return Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return -1; // more digits than a pid has
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

    /** A file the user already has keeps the mode it had; a new one gets {@link #NEW_FILE}. */
    private static Set<PosixFilePermission> modeToKeep(Path target) throws IOException {
        try {
            return Files.getPosixFilePermissions(target);
        } catch (NoSuchFileException e) {
            return NEW_FILE;
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    private static void setMode(Path tmp, Set<PosixFilePermission> mode) throws IOException {
        if (mode == null) {
            return;
        }
        try {
            Files.setPosixFilePermissions(tmp, mode);
        } catch (UnsupportedOperationException e) {
            // no POSIX modes on this file system (Windows)
        }
    }
}
