package io.runtimed.protocol;

import io.runtimed.paths.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
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
            return Optional.of(parse(Files.readAllBytes(path)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Pretty JSON, 2-space indent, no trailing newline; replaced by {@link AtomicFiles}. */
    public void write(DaemonInfo info) throws IOException {
        AtomicFiles.write(path, pretty(info));
    }

    /**
     * daemon.json's text, as {@code Json.pretty(info)} writes it, without the databind mapper: the
     * daemon writes it on its way to the first answer, and every CLI command that looks for the daemon
     * reads it (DaemonInfoFileTest holds the two to each other).
     */
    static byte[] pretty(DaemonInfo info) {
        return StreamingJson.write(g -> {
            g.writeStringField("endpoint", info.endpoint());
            g.writeNumberField("pid", info.pid());
            g.writeStringField("version", info.version());
            g.writeStringField("started_at", info.startedAtText());
            if (info.blobPort() != null) {
                g.writeNumberField("blob_port", info.blobPort());
            }
        }, true);
    }

    /** daemon.json read as {@code Json.parse(bytes, DaemonInfo.class)} reads it; any uncommon form is the mapper's. */
    static DaemonInfo parse(byte[] bytes) throws MalformedMessageException {
        try {
            Map<String, Object> m = StreamingJson.readObject(bytes);
            return new DaemonInfo(StreamingJson.string(m, "endpoint"), StreamingJson.longInteger(m, "pid"),
                    StreamingJson.string(m, "version"), DaemonInfo.parseRfc3339(StreamingJson.string(m, "started_at")),
                    StreamingJson.optionalInteger(m, "blob_port"));
        } catch (IOException | RuntimeException e) {
            return Json.parse(bytes, DaemonInfo.class);
        }
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
