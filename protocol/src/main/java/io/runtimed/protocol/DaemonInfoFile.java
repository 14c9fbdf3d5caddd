package io.runtimed.protocol;

import io.runtimed.paths.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** Reads and writes daemon.json (DAEMON.md §4). Writes are atomic, so a reader never sees half a file. */
public final class DaemonInfoFile {
    private final Path path;

    public DaemonInfoFile(Path path) {
        this.path = path;
    }

    public Path path() {
        return path;
    }

    /** The recorded info, or empty when the file is missing or does not parse ("no daemon info"). */
    public Optional<DaemonInfo> read() {
        try {
            byte[] bytes = Files.readAllBytes(path);
            return Optional.of(Json.parse(bytes, DaemonInfo.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Pretty JSON, 2-space indent, no trailing newline; replaced by {@link AtomicFiles}. */
    public void write(DaemonInfo info) throws IOException {
        AtomicFiles.write(path, Json.pretty(info).getBytes(StandardCharsets.UTF_8));
    }

    /** Removes the file if it records {@code pid} (never another daemon's file). */
    public void deleteIfOwnedBy(long pid) {
        Optional<DaemonInfo> info = read();
        if (info.isEmpty() || info.get().pid() == pid) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // nothing more to do at exit; a stale file is overwritten by the next start
            }
        }
    }
}
