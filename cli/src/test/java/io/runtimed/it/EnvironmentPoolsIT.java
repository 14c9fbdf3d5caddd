package io.runtimed.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runtimed.client.PoolClient;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PoolStats;
import io.runtimed.protocol.PooledEnv;
import io.runtimed.testkit.Cli;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RuntHome;
import io.runtimed.testkit.SystemPackages;
import io.runtimed.tools.StandIns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 3 end to end: real daemon processes build real environments, with Debian's
 * /usr/bin/python3 (python3-venv, python3-ipykernel, python3-ipywidgets) or with stand-in uv and
 * conda executables on PATH, which record their arguments and build a real venv.
 */
class EnvironmentPoolsIT {
    private static final Duration BUILD = Duration.ofSeconds(120);
    private static final String SYSTEM_PATH = "/usr/bin:/bin";

    @TempDir
    Path dir;

    RuntHome home;

    @AfterEach
    void tearDown() {
        if (home != null) {
            home.close();
        }
    }

    private static List<Path> envDirs(RuntHome home) throws Exception {
        if (!Files.isDirectory(home.envRoot())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(home.envRoot())) {
            return s.toList();
        }
    }

    private static int exec(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    @Test
    void withoutUvTheDaemonFillsAUvPoolWithRealVenvsWhereIpykernelImportsAndRefillsAfterATake() throws Exception {
        SystemPackages.requirePythonVenv();
        SystemPackages.requireIpykernelAndIpywidgets();
        home = RuntHome.in(dir);
        try (DaemonProcess d = DaemonProcess.in(home).uvPoolSize(2).buildEnvironments()
                .env("PATH", SYSTEM_PATH)
                .args("--python", StandIns.PYTHON, "--system-site-packages").start()) {
            PoolClient client = d.client();
            await().atMost(BUILD).until(() -> client.status().uvAvailable() == 2 || client.status().uvError() != null);
            PoolStats stats = client.status();
            assertThat(stats.uvError()).as("build error").isNull();
            assertThat(stats.uvBackend()).isEqualTo("venv + pip (" + StandIns.PYTHON + ")");

            PooledEnv env = client.take(EnvType.UV).orElseThrow();
            assertThat(exec(env.pythonPath(), "-c", "import ipykernel")).isZero();
            assertThat(Path.of(env.venvPath(), ".warmed")).exists();

            await().atMost(BUILD).until(() -> client.status().uvAvailable() == 2);
            assertThat(envDirs(home)).hasSize(3).contains(Path.of(env.venvPath()));

            Cli.Result r = Cli.runt(home, "pool", "status");
            assertThat(r.stdout()).contains("  Backend:   venv + pip (" + StandIns.PYTHON + ")");
        }
    }

    @Nested
    class StandInUvOnPath {
        @Test
        void buildsWithTheSpecsExactUvCommandLinesAndFlushRebuilds() throws Exception {
            SystemPackages.requireIpykernelAndIpywidgets();
            home = RuntHome.in(dir);
            StandIns tools = new StandIns(dir.resolve("tools"));
            tools.uv();
            Files.createDirectories(home.config().resolve("runt-notebook"));
            Files.writeString(home.config().resolve("runt-notebook/settings.json"),
                    "{\"uv\":{\"default_packages\":[\"numpy\"]}}");
            try (DaemonProcess d = DaemonProcess.in(home).uvPoolSize(2).buildEnvironments()
                    .env("PATH", tools.bin() + ":" + SYSTEM_PATH).start()) {
                PoolClient client = d.client();
                await().atMost(BUILD).until(() -> client.status().uvAvailable() == 2);
                List<Path> first = envDirs(home);
                for (Path env : first) {
                    assertThat(tools.calls("venv")).contains(List.of("venv", env.toString()));
                    assertThat(tools.calls("pip")).contains(List.of("pip", "install", "--python",
                            env.resolve("bin/python").toString(), "ipykernel", "ipywidgets", "numpy"));
                }

                client.flush();
                assertThat(first).allSatisfy(p -> assertThat(p).doesNotExist());
                await().atMost(BUILD).until(() -> client.status().uvAvailable() == 2);
                assertThat(envDirs(home)).hasSize(2).doesNotContainAnyElementsOf(first);
            }
        }

        @Test
        void aBackendThatAlwaysFailsLeavesTheDaemonHealthyAndShowsTheErrorInStatus() throws Exception {
            home = RuntHome.in(dir);
            StandIns tools = new StandIns(dir.resolve("tools"));
            tools.failingUv();
            // one env at a time, so the attempts are sequential and their spacing is the backoff
            try (DaemonProcess d = DaemonProcess.in(home).uvPoolSize(1).buildEnvironments()
                    .env("PATH", tools.bin() + ":" + SYSTEM_PATH).args("--build-retry-ms", "200").start()) {
                PoolClient client = d.client();
                await().atMost(BUILD).until(() -> tools.times("venv").size() >= 4);
                PoolStats stats = client.status();
                assertThat(stats.uvAvailable()).isZero();
                assertThat(stats.uvError()).isNotNull();
                assertThat(stats.uvError().message()).contains("uv venv failed");
                assertThat(d.answersPing()).isTrue();
                assertThat(envDirs(home)).isEmpty();
                List<Long> t = tools.times("venv");
                assertThat(t.get(3) - t.get(2)).as("retries slow down").isGreaterThan(t.get(1) - t.get(0));

                Cli.Result r = Cli.runt(home, "pool", "status");
                assertThat(r.stdout()).contains("  Last error: uv venv failed");
            }
        }

        @Test
        void aBuildInterruptedByKill9IsRemovedAtTheNextStartAndNeverHandedOut() throws Exception {
            home = RuntHome.in(dir);
            StandIns tools = new StandIns(dir.resolve("tools"));
            tools.uv();
            Path never = dir.resolve("never");
            try (DaemonProcess d = DaemonProcess.in(home).uvPoolSize(1).buildEnvironments()
                    .env("PATH", tools.bin() + ":" + SYSTEM_PATH).env("STANDIN_BLOCK", never.toString()).start()) {
                await().atMost(BUILD).until(() -> tools.calls("pip").size() == 1);
                assertThat(envDirs(home)).hasSize(1);
                d.kill9();
            }
            Path partial = envDirs(home).get(0);
            assertThat(partial.resolve("bin/python")).as("a half-built env with an interpreter").exists();
            // restart without any working backend: the only env on disk is the partial one
            try (DaemonProcess d = DaemonProcess.in(home).uvPoolSize(1).start()) {
                assertThat(partial).doesNotExist();
                assertThat(d.client().take(EnvType.UV)).isEmpty();
            } finally {
                Files.createFile(never); // lets the orphaned stand-in of the killed daemon end
            }
        }
    }

    @Test
    void aStandInMicromambaBuildsTheCondaPool() throws Exception {
        SystemPackages.requireIpykernelAndIpywidgets();
        home = RuntHome.in(dir);
        StandIns tools = new StandIns(dir.resolve("tools"));
        tools.condaTool("micromamba");
        try (DaemonProcess d = DaemonProcess.in(home).condaPoolSize(1).buildEnvironments()
                .env("PATH", tools.bin() + ":" + SYSTEM_PATH).start()) {
            await().atMost(BUILD).until(() -> d.client().status().condaAvailable() == 1);
            PooledEnv env = d.client().take(EnvType.CONDA).orElseThrow();
            assertThat(Path.of(env.venvPath()).getFileName().toString()).startsWith("runtimed-conda-");
            // the take already started a refill, so there may be a second "create" by now
            assertThat(tools.calls("create")).contains(List.of("create", "-y", "-p", env.venvPath(),
                    "-c", "conda-forge", "--override-channels", "python>=3.9", "ipykernel", "ipywidgets"));
            assertThat(exec(env.pythonPath(), "-c", "import ipykernel")).isZero();
        }
    }
}
