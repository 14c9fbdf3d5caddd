package io.runtimed.runtimes;

import io.runtimed.paths.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;

/**
 * Recent answers of {@code --version} probes, kept in a file so that the next {@code runtimed status}
 * or {@code runt pool info} does not start every interpreter again: with pyenv each of its shims
 * ({@code python3.6} … {@code python3.13}) is a bash script that runs pyenv, seconds in all on 2 cores.
 *
 * <p>An answer holds while the program's file, followed through links, is the same file unchanged
 * (inode, size, modification time): a binary says what it is. A script dispatches elsewhere (pyenv's
 * selected version, which its own file does not show), so its answer holds for {@link #SHORT_TTL}
 * only; so does a probe that got no answer (it timed out, perhaps only because the machine was
 * busy, or could not start).
 */
final class ProbeCache {
    /** How long a script's answer, or the lack of one, is taken as still true. */
    static final Duration SHORT_TTL = Duration.ofSeconds(60);

    private final Path file;
    private final Clock clock;
    private final Properties entries = new Properties();
    private boolean changed;

    private ProbeCache(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    /** The cache in {@code file}; a missing or unreadable file is an empty cache. */
    static ProbeCache at(Path file, Clock clock) {
        ProbeCache cache = new ProbeCache(file, clock);
        try (InputStream in = Files.newInputStream(file)) {
            cache.entries.load(in);
        } catch (IOException | IllegalArgumentException e) {
            cache.entries.clear();
        }
        return cache;
    }

    /** The answer {@code program} (found as {@code name}) gave recently, if it still holds. */
    synchronized Optional<DetectedTool> get(String name, Path program) {
        String key = name + " " + program;
        Optional<Identity> now = Identity.of(program);
        if (now.isEmpty() || !now.get().text().equals(entries.getProperty(key + ".identity"))) {
            return Optional.empty();
        }
        if (now.get().script() || !Boolean.parseBoolean(entries.getProperty(key + ".answered"))) {
            long at = Long.parseLong(entries.getProperty(key + ".at", "0"));
            if (clock.millis() - at > SHORT_TTL.toMillis() || clock.millis() < at) {
                return Optional.empty();
            }
        }
        return Optional.of(new DetectedTool(name, program.toString(), entries.getProperty(key + ".version"),
                Boolean.parseBoolean(entries.getProperty(key + ".usable")), entries.getProperty(key + ".problem")));
    }

    /** Keeps {@code result}; whether the program answered (usable, or failed with an exit status) decides for how long. */
    synchronized void put(String name, Path program, DetectedTool result) {
        boolean answered = VersionProbe.answered(result);
        Optional<Identity> identity = Identity.of(program);
        if (identity.isEmpty()) {
            return;
        }
        String key = name + " " + program;
        entries.setProperty(key + ".identity", identity.get().text());
        entries.setProperty(key + ".answered", Boolean.toString(answered));
        entries.setProperty(key + ".at", Long.toString(clock.millis()));
        entries.setProperty(key + ".usable", Boolean.toString(result.usable()));
        set(key + ".version", result.version());
        set(key + ".problem", result.problem());
        changed = true;
    }

    private void set(String key, String value) {
        if (value == null) {
            entries.remove(key);
        } else {
            entries.setProperty(key, value);
        }
    }

    /** Writes the cache if anything was added; a failure only costs the next command its probes. */
    synchronized void save() {
        if (!changed) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            entries.store(out, "runtimed: recent answers of --version probes (safe to delete)");
            AtomicFiles.write(file, out.toByteArray());
            changed = false;
        } catch (IOException e) {
            // a cache that cannot be written is only a slower next status
        }
    }

    /** The program's file as it is now: which file, its size and time, and whether it is a script. */
    private record Identity(String text, boolean script) {
        static Optional<Identity> of(Path program) {
            try {
                Path real = program.toRealPath();
                BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
                boolean script;
                try (InputStream in = Files.newInputStream(real)) {
                    byte[] head = in.readNBytes(2);
                    script = head.length == 2 && head[0] == '#' && head[1] == '!';
                }
                return Optional.of(new Identity(real + " " + a.fileKey() + " " + a.size() + " "
                        + a.lastModifiedTime(), script));
            } catch (IOException e) {
                return Optional.empty();
            }
        }
    }
}
