package io.runtimed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/.launch's memory options for the daemon (issue 16): the real script, in a distribution
 * layout with an empty jar, runs a stand-in {@code java} that prints the options it was given;
 * the stand-in JDK's release file names its version.
 */
class LaunchOptionsTest {
    static final String RUNTIMED = "io.runtimed.cli.runtimed.RuntimedMain";
    static final String TRIM = "-XX:TrimNativeHeapInterval=2000";
    /** One of the options that make the daemon's optimising compiler wait for 10x the default counts. */
    static final String C2_LATER = "-XX:Tier4InvocationThreshold=50000";

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "JDK {0}: trims the native heap: {1}")
    @CsvSource({"17.0.15, true", "17.0.9, true", "17.0.8, false", "17, false", "18.0.2, false", "20, false",
            "21, false", "21.0.1, true", "22, true", "25.0.1, true"})
    void theDaemonTrimsTheNativeHeapOnlyWithAJvmThatKnowsTheOption(String version, boolean trims) throws Exception {
        Path jdk = jdk("JAVA_VERSION=\"" + version + "\"\n");
        List<String> options = launch(RUNTIMED, Map.of("JAVA_HOME", jdk.toString()));
        assertThat(options).contains("-Xms16m");
        if (trims) {
            assertThat(options).contains("-XX:+UnlockExperimentalVMOptions", TRIM);
        } else {
            assertThat(options).doesNotContain(TRIM);
        }
    }

    @Test
    void aJvmWithoutAReleaseFileIsNotGivenTheOption() throws Exception {
        Path jdk = jdk(null);
        assertThat(launch(RUNTIMED, Map.of("JAVA_HOME", jdk.toString()))).contains("-Xms16m").doesNotContain(TRIM);
    }

    @Test
    void javaOnPathIsFollowedThroughItsLinksToItsRelease() throws Exception {
        Path jdk = jdk("IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"17.0.15\"\n");
        Path bin = Files.createDirectories(tmp.resolve("path"));
        Path alternatives = Files.createDirectories(tmp.resolve("alternatives"));
        Files.createSymbolicLink(alternatives.resolve("java"), jdk.resolve("bin/java"));
        Files.createSymbolicLink(bin.resolve("java"), Path.of("../alternatives/java"));
        List<String> options = launch(RUNTIMED, Map.of("PATH", bin + ":/usr/bin:/bin"));
        assertThat(options).contains(TRIM);
    }

    @Test
    void runtimedsOneShotCommandsStartAsRuntsDoAndTheDaemonKeepsItsCompiler() throws Exception {
        Path jdk = jdk("JAVA_VERSION=\"17.0.15\"\n");
        Map<String, String> env = Map.of("JAVA_HOME", jdk.toString());
        for (String oneShot : List.of("status", "doctor", "--version", "stop")) {
            assertThat(launch(RUNTIMED, env, oneShot)).as(oneShot).contains("-XX:TieredStopAtLevel=1")
                    .doesNotContain("-Xms16m", TRIM, C2_LATER);
        }
        for (String[] daemon : List.of(new String[] {"run"}, new String[] {}, new String[] {"--uv-pool-size", "0"})) {
            assertThat(launch(RUNTIMED, env, daemon)).as(String.join(" ", daemon))
                    .contains("-XX:+TieredCompilation", C2_LATER, "-Xms16m");
        }
    }

    @Test
    void runtCommandsKeepTheJvmsDefaults() throws Exception {
        Path jdk = jdk("JAVA_VERSION=\"17.0.15\"\n");
        assertThat(launch("io.runtimed.cli.runt.RuntMain", Map.of("JAVA_HOME", jdk.toString())))
                .doesNotContain("-Xms16m", TRIM, C2_LATER);
    }

    @Test
    void everyJvmNamesTheJdksOwnSelectorProviderSoThatNoJarIsSearchedForAnother() throws Exception {
        Path jdk = jdk("JAVA_VERSION=\"17.0.15\"\n");
        Map<String, String> env = Map.of("JAVA_HOME", jdk.toString());
        String os = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT);
        String expected = os.contains("mac") ? "-Djava.nio.channels.spi.SelectorProvider=sun.nio.ch.KQueueSelectorProvider"
                : "-Djava.nio.channels.spi.SelectorProvider=sun.nio.ch.EPollSelectorProvider";
        assertThat(launch(RUNTIMED, env)).contains(expected);
        assertThat(launch(RUNTIMED, env, "status")).contains(expected);
        assertThat(launch("io.runtimed.cli.runt.RuntMain", env, "pool", "ping")).contains(expected);
    }

    /**
     * bin/runtimed and bin/runt source .launch with their own directory, links followed: started
     * through a link on another PATH directory, by a relative path with '..', or plainly, the JVM
     * gets the installation's jars and launcher by their absolute, normalised paths (what the
     * class-data archive was made with), and a remembered JVM (lib/java.home) is used.
     */
    @Test
    void theLaunchersFindTheirInstallationHoweverTheyAreReached() throws Exception {
        Path dist = distribution();
        for (String name : List.of("runtimed", "runt")) {
            Files.copy(Path.of("..", "bin", name), dist.resolve("bin").resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
        Path jdk = jdk("JAVA_VERSION=\"17.0.15\"\n");
        Files.writeString(dist.resolve("lib/java.home"), jdk.toString()); // as the installer writes it, no newline
        Path links = Files.createDirectories(tmp.resolve("links"));
        Files.createSymbolicLink(links.resolve("runtimed"), dist.resolve("bin/runtimed"));
        String home = dist.toAbsolutePath().normalize().toString();
        for (List<String> command : List.of(List.of(links.resolve("runtimed").toString(), "status"),
                List.of("../dist/bin/runtimed", "status"), List.of(dist.resolve("bin/runt").toString(), "pool", "ping"))) {
            List<String> args = run(command, links, Map.of());
            assertThat(args).as(String.join(" ", command)).contains("-Druntimed.launcher=" + home + "/bin/runtimed",
                    "-cp", home + "/lib/runtimed-cli.jar:" + home + "/lib/deps/*");
        }
    }

    @Test
    void theArchivesTrainingRunsInAHomeOfItsOwnWithOnlyItsStandInsOnPathAndTheHomeIsRemovedAfter() throws Exception {
        Dump dump = dump("");
        assertThat(dump.exit()).as(dump.out()).isZero();
        List<String> lines = dump.out().lines().toList();
        String home = lines.get(0).substring("HOME=".length());
        assertThat(home).as(dump.out()).startsWith(tmp.resolve("t").toString()).isNotEqualTo(tmp.resolve("user").toString());
        assertThat(lines).as(dump.out()).contains("TRAINING=" + home, "PATH=" + home + "/bin", "XDG=", "HOME_EXISTS",
                "io.runtimed.cli.runtimed.CdsTraining");
        assertThat(Path.of(home)).as("the training's home, once it ended").doesNotExist();
    }

    @Test
    void aFailedTrainingFailsTheDumpAndItsHomeIsRemovedAllTheSame() throws Exception {
        Dump dump = dump("exit 3\n");
        assertThat(dump.exit()).as(dump.out()).isEqualTo(3);
        String home = dump.out().lines().findFirst().orElseThrow().substring("HOME=".length());
        assertThat(Path.of(home)).as("the training's home").doesNotExist();
    }

    private record Dump(int exit, String out) {
    }

    /**
     * bin/.launch in dump mode with a stand-in java that says where it ran (the training's home,
     * PATH, XDG overrides) and its arguments, then runs {@code tail} (e.g. a failing exit).
     */
    private Dump dump(String tail) throws Exception {
        Path jdk = jdk("JAVA_VERSION=\"17.0.15\"\n");
        Files.writeString(jdk.resolve("bin/java"), "#!/bin/sh\nprintf 'HOME=%s\\nTRAINING=%s\\nPATH=%s\\nXDG=%s\\n' \"$HOME\" "
                + "\"$RUNTIMED_TRAINING_HOME\" \"$PATH\" \"$XDG_CACHE_HOME$XDG_CONFIG_HOME$XDG_DATA_HOME\"\n"
                + "[ -d \"$HOME\" ] && echo HOME_EXISTS\nprintf '%s\\n' \"$@\"\n" + tail);
        Path dist = distribution();
        ProcessBuilder pb = new ProcessBuilder(dist.resolve("bin/.launch").toString(), "io.runtimed.cli.runtimed.CdsTraining")
                .redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(Map.of("PATH", "/usr/bin:/bin", "JAVA_HOME", jdk.toString(), "RUNTIMED_CDS", "dump",
                "HOME", tmp.resolve("user").toString(), "XDG_CACHE_HOME", tmp.resolve("user-cache").toString(),
                "TMPDIR", Files.createDirectories(tmp.resolve("t")).toString()));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return new Dump(p.exitValue(), out);
    }

    /** A stand-in JDK home: bin/java prints its arguments one a line; {@code release} when given. */
    private Path jdk(String release) throws IOException {
        Path home = Files.createDirectories(tmp.resolve("jdk"));
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        if (release != null) {
            Files.writeString(home.resolve("release"), release);
        }
        return home;
    }

    /** The options .launch gives {@code main} starting the daemon ({@code run}), from a copy in a distribution layout. */
    private List<String> launch(String main, Map<String, String> env) throws Exception {
        return launch(main, env, "run");
    }

    /** A distribution layout with an empty jar and a copy of the real bin/.launch. */
    private Path distribution() throws IOException {
        Path dist = tmp.resolve("dist");
        Files.createDirectories(dist.resolve("bin"));
        Files.createDirectories(dist.resolve("lib/deps"));
        Files.write(dist.resolve("lib/runtimed-cli.jar"), new byte[0]);
        Files.copy(Path.of("..", "bin", ".launch"), dist.resolve("bin/.launch"), StandardCopyOption.REPLACE_EXISTING);
        return dist;
    }

    private List<String> launch(String main, Map<String, String> env, String... commandArgs) throws Exception {
        Path launcher = distribution().resolve("bin/.launch");
        List<String> command = new java.util.ArrayList<>(List.of(launcher.toString(), main));
        command.addAll(List.of(commandArgs));
        List<String> args = run(command, tmp, env);
        assertThat(args).as("the stand-in java ran the main class").contains(main);
        return args.subList(0, args.indexOf("-cp"));
    }

    /** Runs {@code command} in {@code dir} with PATH /usr/bin:/bin and {@code env}; its output's lines (it must exit 0). */
    private static List<String> run(List<String> command, Path dir, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().toList();
    }
}
