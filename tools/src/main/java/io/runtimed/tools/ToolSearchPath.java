package io.runtimed.tools;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Where the tools (uv, python, conda-family, deno) are looked for: PATH first, then where they are
 * usually installed per user ({@code ~/.local/bin}, {@code ~/.cargo/bin}, conda installers' bin
 * directories) and system-wide: a service started at login often has a PATH without them
 * (DAEMON.md §10).
 */
public final class ToolSearchPath {
    private static final List<String> HOME_DIRS = List.of(".local/bin", ".cargo/bin", "bin", "micromamba/bin",
            "miniforge3/condabin", "miniforge3/bin", "mambaforge/bin", "miniconda3/condabin", "miniconda3/bin",
            "anaconda3/bin", ".deno/bin");
    private static final List<String> SYSTEM_DIRS = List.of("/opt/homebrew/bin", "/usr/local/bin", "/opt/conda/bin");

    private final List<Path> dirs;

    private ToolSearchPath(List<Path> dirs) {
        this.dirs = List.copyOf(dirs);
    }

    /** The {@code PATH} of {@code env} in order, then the per-user directories under {@code home} (if given), then the system ones. */
    public static ToolSearchPath of(Map<String, String> env, Path home) {
        return of(env, home, SYSTEM_DIRS.stream().map(Path::of).toList());
    }

    /**
     * As {@link #of(Map, Path)} with other system-wide directories than Homebrew's, /usr/local/bin
     * and /opt/conda/bin (none, in tests that must not depend on what the machine has installed).
     */
    public static ToolSearchPath of(Map<String, String> env, Path home, List<Path> systemDirs) {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String d : env.getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!d.isBlank()) {
                dirs.add(Path.of(d));
            }
        }
        if (home != null) {
            for (String d : HOME_DIRS) {
                dirs.add(home.resolve(d));
            }
        }
        dirs.addAll(systemDirs);
        return new ToolSearchPath(new ArrayList<>(dirs));
    }

    /** The directories in search order. */
    public List<Path> dirs() {
        return dirs;
    }

    /** The first executable named {@code program} in the search directories. */
    public Optional<Path> find(String program) {
        for (Path dir : dirs) {
            Path candidate = dir.resolve(program);
            if (isExecutableFile(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /** Every executable named {@code program} in the search directories, in search order. */
    public List<Path> findAll(String program) {
        List<Path> found = new ArrayList<>();
        for (Path dir : dirs) {
            Path candidate = dir.resolve(program);
            if (isExecutableFile(candidate)) {
                found.add(candidate.toAbsolutePath());
            }
        }
        return found;
    }

    /** The names of executables in the search directories that {@code name} accepts, each once. */
    public Set<String> namesMatching(Predicate<String> name) {
        Set<String> names = new LinkedHashSet<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, p -> name.test(p.getFileName().toString()))) {
                for (Path p : entries) {
                    if (isExecutableFile(p)) {
                        names.add(p.getFileName().toString());
                    }
                }
            } catch (IOException e) {
                // an unreadable directory holds nothing we can run
            }
        }
        return names;
    }

    private static boolean isExecutableFile(Path p) {
        return Files.isRegularFile(p) && Files.isExecutable(p);
    }
}
