package io.runtimed.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The command line that runs a main class of this build in a fresh JVM. The daemon's and the CLI's
 * mains run from the packaged jars with their class-data archive (what bin/.launch runs) when each
 * jar is newer than the classes it was made from: a daemon then starts on about 0.7 s less CPU,
 * and the suite starts some 200 of them on 2 cores. Otherwise, and for any other main, the test
 * class path.
 */
public final class JavaProcess {
    public static final String RUNTIMED_MAIN = "io.runtimed.cli.runtimed.RuntimedMain";
    public static final String RUNT_MAIN = "io.runtimed.cli.runt.RuntMain";

    /** The same lean flags as bin/.launch: short-lived JVMs on 2 cores start fastest this way. */
    private static final List<String> JVM_FLAGS = List.of(
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dfile.encoding=UTF-8");

    /**
     * Set by the build's test configuration: {@code cli/target}, where packaging puts
     * runtimed-cli.jar, its lib/ and the archive runtimed.jsa.
     */
    static final String PACKAGED_PROPERTY = "runtimed.cli.target";

    private JavaProcess() {
    }

    /** The packaged class path and archive, looked at once per test JVM. */
    private static final class Packaged {
        static final Optional<Packaged> FRESH = find();

        final String classPath;
        final Path archive;

        private Packaged(String classPath, Path archive) {
            this.classPath = classPath;
            this.archive = archive;
        }

        private static Optional<Packaged> find() {
            String dir = System.getProperty(PACKAGED_PROPERTY);
            if (dir == null || dir.isBlank()) {
                return Optional.empty();
            }
            // absolute like bin/.launch's $here (cd && pwd): the archive accepts only the class path it was made with
            Path target = Path.of(dir).toAbsolutePath().normalize();
            Path jar = target.resolve("runtimed-cli.jar");
            Path lib = target.resolve("lib");
            Path archive = target.resolve("runtimed.jsa");
            try {
                if (!Files.isRegularFile(jar) || !Files.isDirectory(lib) || !Files.isRegularFile(archive)
                        || !fresh(target, jar, lib, archive)) {
                    return Optional.empty();
                }
            } catch (IOException e) {
                return Optional.empty();
            }
            return Optional.of(new Packaged(jar + File.pathSeparator + lib + File.separator + "*", archive));
        }

        /**
         * Whether every jar is newer than the classes it was made from (the cli jar than
         * cli/target/classes, {@code lib/runtimed-daemon-0.1.0.jar} than daemon/target/classes),
         * and the archive newer than every jar: a jar older than a class compiled since (mvn test
         * after an edit, without package) is stale.
         */
        private static boolean fresh(Path target, Path jar, Path lib, Path archive) throws IOException {
            Path root = target.getParent().getParent();
            Map<Path, Path> classesOf = new LinkedHashMap<>();
            classesOf.put(jar, target.resolve("classes"));
            try (Stream<Path> jars = Files.list(lib)) {
                for (Path moduleJar : jars.toList()) {
                    String name = moduleJar.getFileName().toString();
                    if (name.startsWith("runtimed-") && name.endsWith(".jar")) {
                        String module = name.substring("runtimed-".length(), name.lastIndexOf('-'));
                        classesOf.put(moduleJar, root.resolve(module).resolve("target/classes"));
                    }
                }
            }
            FileTime archived = Files.getLastModifiedTime(archive);
            for (Map.Entry<Path, Path> e : classesOf.entrySet()) {
                FileTime made = Files.getLastModifiedTime(e.getKey());
                if (newestClass(e.getValue()).compareTo(made) > 0 || made.compareTo(archived) > 0) {
                    return false;
                }
            }
            return true;
        }

        /** The newest file under {@code classes} (the epoch when there is no such directory). */
        private static FileTime newestClass(Path classes) throws IOException {
            FileTime newest = FileTime.fromMillis(0);
            if (!Files.isDirectory(classes)) {
                return newest;
            }
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    FileTime t = Files.getLastModifiedTime(f);
                    if (t.compareTo(newest) > 0) {
                        newest = t;
                    }
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            return newest;
        }
    }

    /** Whether {@link #command} runs the daemon and the CLI from the packaged jars and their archive. */
    public static boolean packaged() {
        return Packaged.FRESH.isPresent();
    }

    public static Path javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** The test class path; it holds target/classes of every module and all their dependencies. */
    public static String classPath() {
        String cp = System.getProperty("java.class.path");
        if (cp == null || cp.isBlank()) {
            throw new IllegalStateException("java.class.path is not set");
        }
        return cp;
    }

    public static List<String> command(String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary().toString());
        cmd.addAll(JVM_FLAGS);
        Optional<Packaged> packaged = mainClass.equals(RUNTIMED_MAIN) || mainClass.equals(RUNT_MAIN)
                ? Packaged.FRESH : Optional.empty();
        if (packaged.isPresent()) {
            // mapped where it was made, as bin/.launch does (relocating it costs ~90 ms a start);
            // a mismatch only turns the archive off, which -Xlog keeps quiet
            cmd.addAll(List.of("-XX:SharedArchiveFile=" + packaged.get().archive, "-XX:+UnlockDiagnosticVMOptions",
                    "-XX:ArchiveRelocationMode=0", "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
        } else {
            cmd.add("-Xshare:auto");
        }
        cmd.add("-cp");
        cmd.add(packaged.isPresent() ? packaged.get().classPath : classPath());
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    static String describe(List<String> cmd) {
        List<String> shown = new ArrayList<>(cmd);
        int cp = shown.indexOf("-cp");
        if (cp >= 0 && cp + 1 < shown.size()) {
            shown.set(cp + 1, "<" + shown.get(cp + 1).split(File.pathSeparator).length + " class path entries>");
        }
        return String.join(" ", shown);
    }
}
