package io.runtimed.kernel;

import io.runtimed.protocol.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.UUID;

/**
 * A kernel's connection file on disk, {@code runtimed-kernel-<uuid>.json} (KERNELS.md §5.5 (ours)).
 * It holds the HMAC key, so it is 0600 from the moment it exists, in a 0700 directory: the
 * reference writes it under the umask and leaves the key world-readable.
 */
public final class ConnectionFile {
    static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

    private final Path path;
    private final ConnectionInfo info;

    private ConnectionFile(Path path, ConnectionInfo info) {
        this.path = path;
        this.info = info;
    }

    /** Writes {@code info} as a new file in {@code dir}, creating the directory (or tightening it) to 0700. */
    public static ConnectionFile write(Path dir, ConnectionInfo info) throws IOException {
        ownerOnlyDirectory(dir);
        Path path = dir.resolve("runtimed-kernel-" + UUID.randomUUID() + ".json");
        byte[] json = Json.pretty(info).getBytes(StandardCharsets.UTF_8);
        // the mode is given at creation: there is no moment at which the key is readable by others
        Files.write(Files.createFile(path, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE)), json,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        // the umask can only have narrowed the mode; make it exactly 0600
        if (!Files.getPosixFilePermissions(path).equals(OWNER_ONLY_FILE)) {
            Files.setPosixFilePermissions(path, OWNER_ONLY_FILE);
        }
        return new ConnectionFile(path, info);
    }

    /** Creates {@code dir} 0700, or takes group/other access away from an existing one. */
    static void ownerOnlyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Path parent = dir.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // created meanwhile by someone else: fixed below
            }
        }
        // createDirectory's mode passes through the umask, and an old directory may be looser
        if (!Files.getPosixFilePermissions(dir).equals(OWNER_ONLY_DIR)) {
            Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
        }
    }

    public Path path() {
        return path;
    }

    public ConnectionInfo info() {
        return info;
    }

    /** Removes the file; a file already gone is fine. */
    public void delete() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            org.slf4j.LoggerFactory.getLogger(ConnectionFile.class).warn("cannot delete {}: {}", path, e.toString());
        }
    }
}
