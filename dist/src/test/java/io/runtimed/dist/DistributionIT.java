package io.runtimed.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runtimed.client.DaemonReadiness;
import io.runtimed.client.PoolClient;
import io.runtimed.protocol.RuntimedVersion;
import io.runtimed.testkit.Cli;
import io.runtimed.testkit.RuntHome;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 7 item 1: the packed archive is self-contained and runs from wherever it is unpacked. */
class DistributionIT {
    /** Unpacked once for all tests, none of which changes it. */
    @TempDir
    static Path unpacked;
    static UnpackedDistribution dist;

    @TempDir
    Path dir;
    RuntHome home;

    @BeforeAll
    static void unpackOnce() throws Exception {
        dist = UnpackedDistribution.unpack(unpacked.resolve("somewhere else entirely"));
    }

    @BeforeEach
    void setUp() {
        home = RuntHome.in(dir.resolve("h"));
    }

    @AfterEach
    void killWhatStillRuns() {
        home.close();
    }

    @Test
    void holdsTheLaunchersAndEveryJarTheyNeed() {
        assertThat(dist.runtimed()).isExecutable();
        assertThat(dist.runt()).isExecutable();
        assertThat(dist.root().resolve("bin/.launch")).isExecutable();
        assertThat(dist.root().resolve("lib/runtimed-cli.jar")).isRegularFile();
        assertThat(dist.root().resolve("lib/deps")).isDirectoryContaining("glob:**/automerge-*.jar")
                .isDirectoryContaining("glob:**/runtimed-daemon-*.jar").isDirectoryContaining("glob:**/picocli-*.jar");
    }

    @Test
    void bothCommandsRunFromAnotherWorkingDirectory() throws Exception {
        Path cwd = Files.createDirectories(dir.resolve("cwd"));

        Cli.Result runtimed = Launcher.run(home, Map.of(), cwd, dist.runtimed(), "--version");
        Cli.Result runt = Launcher.run(home, Map.of(), cwd, dist.runt(), "--version");

        assertThat(runtimed.exitCode()).as("%s", runtimed).isZero();
        assertThat(runtimed.stdout().strip()).isEqualTo("runtimed " + RuntimedVersion.full());
        assertThat(runt.exitCode()).as("%s", runt).isZero();
        assertThat(runt.stdout().strip()).isEqualTo("runt-cli " + RuntimedVersion.version());
    }

    @Test
    void aSymlinkToALauncherOnPathWorks() throws Exception {
        Path userBin = Files.createDirectories(dir.resolve("user-bin"));
        Path link = Files.createSymbolicLink(userBin.resolve("runtimed"), dist.runtimed());

        Cli.Result r = Launcher.run(home, Map.of(), dir, link, "--version");

        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdout()).startsWith("runtimed ");
    }

    @Test
    void runsTheDaemonThatRuntTalksTo() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(dist.runtimed().toString(), "run", "--uv-pool-size", "0",
                "--conda-pool-size", "0")
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(dir.resolve("daemon.out").toFile())
                .redirectError(dir.resolve("daemon.err").toFile());
        // JNA's and Automerge's JNI libraries come from lib/native: with a temp "directory" that is a
        // file, their loaders' fallback (copy the library out of its jar into java.io.tmpdir) would
        // fail, and with it the daemon's lock (JNA) and its settings (Automerge)
        Path notADirectory = Files.writeString(dir.resolve("tmp-is-a-file"), "");
        Map<String, String> noTempDir = Map.of("RUNTIMED_JAVA_OPTS", "-Djava.io.tmpdir=" + notADirectory);
        pb.environment().clear();
        pb.environment().putAll(home.childEnv(noTempDir));
        Process daemon = pb.start();
        try {
            await("the daemon from the distribution answers").atMost(RuntHome.PROMPTLY)
                    .until(() -> DaemonReadiness.answers(home.paths()));

            Cli.Result ping = Launcher.run(home, Map.of(), dir, dist.runt(), "pool", "ping");

            assertThat(ping.exitCode()).as("%s", ping).isZero();
            assertThat(ping.stdoutLines()).isEqualTo(List.of("pong"));

            Cli.Result theme = Launcher.run(home, noTempDir, dir, dist.runt(), "settings", "get", "theme");
            assertThat(theme.exitCode()).as("%s", theme).isZero();
            assertThat(theme.stdoutLines()).isEqualTo(List.of("system"));
        } finally {
            new PoolClient(home.defaultSocket()).shutdown();
            assertThat(daemon.waitFor(15, TimeUnit.SECONDS)).as("the daemon exits on shutdown").isTrue();
        }
    }
}
