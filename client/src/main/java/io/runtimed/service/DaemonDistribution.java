package io.runtimed.service;

import io.runtimed.paths.AtomicFiles;
import io.runtimed.paths.FileTrees;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What {@code runtimed install --binary PATH} copies. The original daemon is one native file; the
 * Java build is launchers plus jars. So a launcher that sits in a distribution ({@code bin/runtimed}
 * next to {@code bin/.launch}, jars in {@code lib/}) or in a source checkout ({@code bin/} with the
 * build in {@code cli/target/}) brings its whole distribution along; any other file is copied alone,
 * as the original does (DAEMON.md §10).
 *
 * <p>Installed layout under {@code <data_local>/runt}: {@code bin/runtimed}, {@code bin/runt},
 * {@code bin/.launch}, {@code lib/runtimed-cli.jar}, {@code lib/deps/*.jar}, {@code lib/native/} and {@code lib/java.home}
 * (the JVM that installed it: a service starts with a PATH of /usr/bin:/bin and no JAVA_HOME).
 */
public final class DaemonDistribution {
    static final String LAUNCH_SCRIPT = ".launch";
    static final String CLI_JAR = "runtimed-cli.jar";
    static final String DEPS = "deps";
    static final String JAVA_HOME_FILE = "java.home";
    /** Automerge's JNI libraries by platform (bin/.launch puts this machine's on java.library.path). */
    static final String NATIVE = "native";
    private static final List<String> LAUNCHERS = List.of("runtimed", "runt", LAUNCH_SCRIPT);

    private final Path launcher;
    /** Empty for a single file; else the jar, the directory of dependency jars and of native libraries. */
    private final Optional<Jars> jars;

    private record Jars(Path cliJar, Path depsDir, Path nativeDir) {
    }

    private DaemonDistribution(Path launcher, Optional<Jars> jars) {
        this.launcher = launcher;
        this.jars = jars;
    }

    /** The distribution {@code launcher} belongs to; the file alone if it belongs to none. */
    public static DaemonDistribution of(Path launcher) throws IOException {
        Path real = launcher.toRealPath();
        Path bin = real.getParent();
        Path root = bin.getParent();
        if (root != null && Files.isRegularFile(bin.resolve(LAUNCH_SCRIPT))) {
            if (Files.isRegularFile(root.resolve("lib").resolve(CLI_JAR))) {
                return new DaemonDistribution(real, Optional.of(new Jars(root.resolve("lib").resolve(CLI_JAR),
                        root.resolve("lib").resolve(DEPS), root.resolve("lib").resolve(NATIVE))));
            }
            Path target = root.resolve("cli").resolve("target");
            if (Files.isRegularFile(target.resolve(CLI_JAR))) {
                return new DaemonDistribution(real, Optional.of(new Jars(target.resolve(CLI_JAR), target.resolve("lib"),
                        target.resolve(NATIVE))));
            }
        }
        return new DaemonDistribution(real, Optional.empty());
    }

    /** The script that starts the JVM of an installed Java distribution. */
    static Path launchScript(Path binary) {
        return binary.resolveSibling(LAUNCH_SCRIPT);
    }

    /** True when this is a Java distribution (launchers and jars), false for a lone binary. */
    public boolean isJavaDistribution() {
        return jars.isPresent();
    }

    /**
     * Copies this distribution into {@code installDir}, the launcher ending up as {@code binary}
     * (mode 755). Each file, and lib/ as a whole, is staged next to its destination and moved into
     * place, so no file is ever seen half-written; callers hold the {@link InstallLock} and have
     * stopped the daemon, so nothing starts from the copy while it is under way.
     */
    public void installInto(Path installDir, Path binary) throws IOException {
        Path bin = binary.getParent();
        Files.createDirectories(bin);
        if (jars.isEmpty()) {
            copyExecutable(launcher, binary);
            return;
        }
        Jars j = jars.get();
        Path lib = installDir.resolve("lib");
        Path staged = installDir.resolve("lib.new-" + UUID.randomUUID());
        try {
            Files.createDirectories(staged.resolve(DEPS));
            Files.copy(j.cliJar(), staged.resolve(CLI_JAR));
            for (Path jar : jarsIn(j.depsDir())) {
                Files.copy(jar, staged.resolve(DEPS).resolve(jar.getFileName()));
            }
            if (Files.isDirectory(j.nativeDir())) {
                // without them the copy still runs: Automerge's loader unpacks its library at each start
                FileTrees.copyTree(j.nativeDir(), staged.resolve(NATIVE));
            }
            Files.writeString(staged.resolve(JAVA_HOME_FILE), System.getProperty("java.home") + "\n");
            Path old = installDir.resolve("lib.old-" + UUID.randomUUID());
            if (Files.exists(lib)) {
                Files.move(lib, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(staged, lib, StandardCopyOption.ATOMIC_MOVE);
            FileTrees.deleteTree(old);
        } finally {
            FileTrees.deleteTree(staged);
        }
        Path sourceBin = launcher.getParent();
        for (String name : LAUNCHERS) {
            Path from = sourceBin.resolve(name);
            if (Files.isRegularFile(from)) {
                copyExecutable(from, name.equals("runtimed") ? binary : bin.resolve(name));
            }
        }
    }

    /** Removes what {@link #installInto} put there; the bin directory goes too if nothing else is in it. */
    public static void uninstallFrom(Path installDir, Path binary) throws IOException {
        Path bin = binary.getParent();
        Files.deleteIfExists(binary);
        // the Java launchers exist only next to a Java build's binary; never touch other tools' files
        if (Files.isRegularFile(installDir.resolve("lib").resolve(CLI_JAR))) {
            Files.deleteIfExists(bin.resolve("runt"));
            Files.deleteIfExists(bin.resolve(LAUNCH_SCRIPT));
            FileTrees.deleteTree(installDir.resolve("lib"));
        }
        try {
            Files.deleteIfExists(bin);
        } catch (DirectoryNotEmptyException e) {
            // someone else keeps files there: leave the directory
        }
    }

    private static List<Path> jarsIn(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.jar")) {
            s.forEach(out::add);
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private static void copyExecutable(Path from, Path to) throws IOException {
        AtomicFiles.copy(from, to, AtomicFiles.EXECUTABLE);
    }
}
