package io.runtimed.cli.runtimed.doctor;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A directory the daemon writes: it must be a directory and writable; the runt dir must also be
 * 0700, since the socket inside is the daemon's only authentication. Writability is tested by
 * creating a file, because permission bits and {@code access(2)} say "writable" to root even where
 * nothing can be created. A missing directory is fine when it can be created.
 */
final class DirectoryCheck implements Check {
    private static final String PRIVATE_MODE = "700";

    private final String name;
    private final Path dir;
    private final boolean privateDir;

    private DirectoryCheck(String name, Path dir, boolean privateDir) {
        this.name = name;
        this.dir = dir;
        this.privateDir = privateDir;
    }

    /** {@code <cache>/runt}: lock, daemon.json, socket, environments, blobs, notebook documents. */
    static DirectoryCheck runtDir(Path dir) {
        return new DirectoryCheck("runt dir", dir, true);
    }

    /** {@code <config>/runt-notebook}: settings.json and its schema. */
    static DirectoryCheck settingsDir(Path dir) {
        return new DirectoryCheck("settings dir", dir, false);
    }

    @Override
    public CheckResult run() {
        if (!Files.exists(dir)) {
            return missing();
        }
        if (!Files.isDirectory(dir)) {
            return CheckResult.fail(name, dir + " is not a directory",
                    "move it away: mv " + dir + " " + dir + ".bak (the daemon creates the directory)");
        }
        List<String> problems = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        Optional<String> mode = posixMode(dir);
        if (privateDir && mode.isPresent() && !mode.get().equals(PRIVATE_MODE)) {
            problems.add("its mode is 0" + mode.get() + ", not 0" + PRIVATE_MODE
                    + " (other users could reach the daemon's socket and files)");
            fixes.add("chmod " + PRIVATE_MODE + " " + dir);
        }
        Optional<String> unwritable = cannotCreateFileIn(dir);
        if (unwritable.isPresent()) {
            problems.add("no file can be created in it (" + unwritable.get() + ")");
            // e.g. made by 'sudo runtimed run': only its owner may chmod it
            Optional<String> stranger = mode.isPresent() ? foreignOwner(dir) : Optional.empty();
            if (stranger.isPresent()) {
                problems.add("it belongs to " + stranger.get() + ", not to you (" + me() + ")");
                fixes.add("sudo chown -R " + me() + " " + dir);
            } else if (fixes.isEmpty()) {
                fixes.add("chmod u+rwx " + dir);
            }
        }
        if (problems.isEmpty()) {
            return CheckResult.ok(name, dir + " is writable" + (privateDir && mode.isPresent() ? " and private (0700)" : ""));
        }
        return CheckResult.fail(name, dir + ": " + String.join("; ", problems), String.join("; ", fixes));
    }

    /** The daemon creates a missing directory (the runt dir 0700, DAEMON.md §3) if its parent lets it. */
    private CheckResult missing() {
        Path ancestor = dir.toAbsolutePath();
        while (!Files.exists(ancestor) && ancestor.getParent() != null) {
            ancestor = ancestor.getParent();
        }
        if (!Files.isDirectory(ancestor)) {
            return CheckResult.fail(name, dir + " cannot be created: " + ancestor + " is not a directory",
                    "move it away: mv " + ancestor + " " + ancestor + ".bak");
        }
        Optional<String> unwritable = cannotCreateFileIn(ancestor);
        if (unwritable.isPresent()) {
            return CheckResult.fail(name, dir + " does not exist and cannot be created in " + ancestor + " ("
                    + unwritable.get() + ")", "chmod u+rwx " + ancestor + ", or mkdir -p " + dir + " as its owner");
        }
        return CheckResult.ok(name, dir + " does not exist yet; the daemon creates it at start"
                + (privateDir ? " (mode 0700)" : ""));
    }

    /** Empty if a file could be created (and was removed again), else why not. */
    static Optional<String> cannotCreateFileIn(Path dir) {
        Path probe = null;
        try {
            probe = Files.createTempFile(dir, ".runtimed-doctor-", ".tmp");
            return Optional.empty();
        } catch (AccessDeniedException e) {
            return Optional.of("permission denied");
        } catch (NoSuchFileException e) {
            return Optional.of("no such file or directory");
        } catch (FileSystemException e) {
            return Optional.of(e.getReason() != null ? e.getReason() : e.toString());
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.of(e.getMessage() != null ? e.getMessage() : e.toString());
        } finally {
            if (probe != null) {
                try {
                    Files.deleteIfExists(probe);
                } catch (IOException ignored) {
                    // an empty hidden file is left behind; nothing reads it
                }
            }
        }
    }

    /** The owner's name when it is not the user running the doctor (and both are known). */
    private static Optional<String> foreignOwner(Path dir) {
        try {
            String owner = Files.getOwner(dir).getName();
            String me = me();
            return me.isEmpty() || me.equals("?") || owner.equals(me) ? Optional.empty() : Optional.of(owner);
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    private static String me() {
        return System.getProperty("user.name", "");
    }

    /** The permission bits as three octal digits, or empty where the file system has none (Windows). */
    private static Optional<String> posixMode(Path dir) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
            int bits = 0;
            for (PosixFilePermission p : perms) {
                bits |= 1 << (8 - p.ordinal()); // OWNER_READ is ordinal 0, the 0400 bit
            }
            return Optional.of(String.format("%03o", bits));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }
}
