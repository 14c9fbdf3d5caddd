package io.runtimed.cli.runtimed.doctor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Who holds a BSD flock, read from Linux's /proc/locks instead of by trying to take the lock (a
 * daemon starting in that instant would be refused as "already running"). A line reads
 * {@code 1: FLOCK  ADVISORY  WRITE 13756 fe:00:1099832 0 EOF}: the holder's pid, then the file's
 * device (major:minor, hex) and inode.
 */
final class LockHolders {
    private static final Path PROC_LOCKS = Path.of("/proc/locks");

    private LockHolders() {
    }

    /**
     * The pid holding an exclusive flock on {@code file}: present and empty when nobody does, empty
     * when this system cannot tell (no /proc/locks, no inode numbers).
     */
    static Optional<OptionalLong> flockHolder(Path file) {
        long dev;
        long inode;
        List<String> lines;
        try {
            dev = ((Number) Files.getAttribute(file, "unix:dev")).longValue();
            inode = ((Number) Files.getAttribute(file, "unix:ino")).longValue();
            lines = Files.readAllLines(PROC_LOCKS);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty();
        }
        // glibc's dev_t encoding
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        String id = Long.toHexString(major) + ":" + Long.toHexString(minor) + ":" + inode;
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            // waiters are listed as "1: -> FLOCK ..."; only holders have the type in field 1
            if (f.length >= 6 && f[1].equals("FLOCK") && f[3].equals("WRITE") && sameFile(f[5], id)) {
                try {
                    return Optional.of(OptionalLong.of(Long.parseLong(f[4])));
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(OptionalLong.empty());
    }

    /** The kernel prints major and minor with at least two hex digits ("fe:00"); compare as numbers. */
    private static boolean sameFile(String field, String id) {
        String[] a = field.split(":");
        String[] b = id.split(":");
        if (a.length != 3) {
            return false;
        }
        try {
            return Long.parseLong(a[0], 16) == Long.parseLong(b[0], 16)
                    && Long.parseLong(a[1], 16) == Long.parseLong(b[1], 16)
                    && Long.parseLong(a[2]) == Long.parseLong(b[2]);
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
