package io.runtimed.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PoolStats;
import io.runtimed.protocol.PooledEnv;
import io.runtimed.testkit.SystemPackages;
import io.runtimed.tools.BackendDetector;
import io.runtimed.tools.ProcessRunner;
import io.runtimed.tools.StandIns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** POOL.md §5-§9 with the warming machinery running for real against stand-in tools. */
class EnvWarmerTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    StandIns tools;
    Path envRoot;
    Path settingsJson;
    EnvPools pools;
    EnvWarmer warming;
    ProcessRunner runner;

    @BeforeEach
    void setUp() throws IOException {
        tools = new StandIns(tmp.resolve("tools"));
        envRoot = tmp.resolve("envs");
        settingsJson = tmp.resolve("settings.json");
        runner = new ProcessRunner(Map.of());
    }

    @AfterEach
    void tearDown() {
        if (warming != null) {
            warming.close();
        }
    }

    private void start(int uvTarget, int condaTarget, Duration firstRetry, PoolOptions options) {
        pools = new EnvPools(envRoot, uvTarget, condaTarget, Duration.ofDays(2), Clock.systemUTC());
        warming = new EnvWarmer(pools, new EnvBuilder(pools.directories(), runner),
                new SyncedPoolSettings(() -> settingsFileTree(settingsJson), options.asOverrides(), options.systemSitePackages()),
                2, firstRetry, Duration.ofSeconds(30), Clock.systemUTC());
        pools.setEvents(warming);
        BackendDetector detector = new BackendDetector(Map.of("PATH", tools.bin().toString()), tmp.resolve("home"), runner);
        warming.start(type -> EnvBackend.of(type == EnvType.UV
                ? detector.uvPool(options.uv(), options.python())
                : detector.condaPool(options.conda())));
    }

    private void start(int uvTarget, int condaTarget) {
        start(uvTarget, condaTarget, Duration.ofSeconds(5), PoolOptions.defaults());
    }

    private List<Path> envDirs() throws IOException {
        if (!Files.exists(envRoot)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(envRoot)) {
            return new ArrayList<>(s.toList());
        }
    }

    @Nested
    class WithTheStandInUv {
        @BeforeEach
        void needsWarmablePython() {
            SystemPackages.requireIpykernelAndIpywidgets();
        }

        @Test
        void fillsThePoolWithWarmedEnvironmentsWhereIpykernelImports() throws Exception {
            tools.uv();
            Files.writeString(settingsJson, "{\"uv\":{\"default_packages\":[\"numpy\",\"pandas\"]}}");
            start(2, 0);

            await().atMost(WAIT).until(() -> pools.stats().uvAvailable() == 2);
            PoolStats stats = pools.stats();
            assertThat(stats.uvWarming()).isZero();
            assertThat(stats.uvBackend()).startsWith("uv (").contains(tools.bin().toString());

            PooledEnv env = pools.take(EnvType.UV).orElseThrow();
            Path dir = Path.of(env.venvPath());
            assertThat(dir.getParent()).isEqualTo(envRoot.toAbsolutePath());
            assertThat(dir.getFileName().toString()).matches("runtimed-uv-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}");
            assertThat(dir.resolve(".warmed")).exists();
            assertThat(env.pythonPath()).isEqualTo(dir.resolve("bin/python").toString());
            ProcessRunner.Result imports = runner.run("check", List.of(env.pythonPath(), "-c", "import ipykernel"), null, WAIT);
            assertThat(imports.exitCode()).as(imports.outputTail()).isZero();
        }

        @Test
        void runsTheSpecsExactCommandLines() throws Exception {
            tools.uv();
            Files.writeString(settingsJson, "{\"uv\":{\"default_packages\":[\"numpy\",\"pandas\"]}}");
            start(1, 0);
            await().atMost(WAIT).until(() -> pools.stats().uvAvailable() == 1);

            Path dir = Path.of(pools.take(EnvType.UV).orElseThrow().venvPath());
            assertThat(tools.calls("venv")).contains(List.of("venv", dir.toString()));
            assertThat(tools.calls("pip")).contains(List.of("pip", "install", "--python", dir.resolve("bin/python").toString(),
                    "ipykernel", "ipywidgets", "numpy", "pandas"));
        }

        @Test
        void addsInterpreterIndexAndWheelOptionsOnlyWhenSet() throws Exception {
            tools.uv();
            Path wheels = Files.createDirectories(tmp.resolve("wheels"));
            start(1, 0, Duration.ofSeconds(5), new PoolOptions(null, null, Path.of(StandIns.PYTHON), true,
                    "https://pypi.example/simple", wheels, 2, Duration.ofSeconds(5), Duration.ofSeconds(30)));
            await().atMost(WAIT).until(() -> pools.stats().uvAvailable() == 1);

            Path dir = Path.of(pools.take(EnvType.UV).orElseThrow().venvPath());
            assertThat(tools.calls("venv")).contains(List.of("venv", "--python", StandIns.PYTHON,
                    "--system-site-packages", dir.toString()));
            assertThat(tools.calls("pip")).contains(List.of("pip", "install", "--python", dir.resolve("bin/python").toString(),
                    "--index-url", "https://pypi.example/simple", "--find-links", wheels.toString(),
                    "ipykernel", "ipywidgets"));
        }

        @Test
        void takeTriggersARefillThatIsCountedAsWarming() throws Exception {
            tools.uv();
            Path gate = Files.createFile(tmp.resolve("gate"));
            runner = new ProcessRunner(Map.of("STANDIN_BLOCK", gate.toString()));
            start(1, 0);
            await().atMost(WAIT).until(() -> pools.stats().uvAvailable() == 1);

            Files.delete(gate); // the refill's "uv pip install" now waits
            assertThat(pools.take(EnvType.UV)).isPresent();
            await().atMost(WAIT).until(() -> tools.calls("pip").size() == 2);
            assertThat(pools.stats().uvWarming()).isEqualTo(1);
            assertThat(pools.stats().uvAvailable()).isZero();

            Files.createFile(gate);
            await().atMost(WAIT).until(() -> pools.stats().uvAvailable() == 1);
            assertThat(pools.stats().uvWarming()).isZero();
        }

        @Test
        void takeWithoutRefillStartsNoBuildUntilTheCallerRefills() throws Exception {
            // the pool channel answers a take first and refills after its answer was written
            tools.uv();
            start(1, 0);
            await().atMost(WAIT).until(() -> pools.stats().uvAvailable() == 1);

            Optional<PooledEnv> taken = pools.takeWithoutRefill(EnvType.UV);
            assertThat(taken).isPresent();
            assertThat(pools.stats().uvWarming()).as("no build counted before refill").isZero();
            assertThat(pools.stats().uvAvailable()).isZero();
            assertThat(pools.takeWithoutRefill(EnvType.UV)).as("the environment went to one caller only").isEmpty();

            pools.refill(EnvType.UV);
            assertThat(pools.stats().uvWarming()).isEqualTo(1);
            await().atMost(WAIT).until(() -> pools.stats().uvAvailable() == 1);
            assertThat(pools.takeWithoutRefill(EnvType.UV)).get().isNotEqualTo(taken.get());
        }

        @Test
        void flushDeletesReadyEnvironmentsAndRebuildsThem() throws Exception {
            tools.uv();
            start(2, 0);
            await().atMost(WAIT).until(() -> pools.stats().uvAvailable() == 2);
            List<Path> before = envDirs();

            pools.flush();
            for (Path p : before) {
                assertThat(p).doesNotExist();
            }
            await().atMost(WAIT).until(() -> pools.stats().uvAvailable() == 2);
            assertThat(envDirs()).doesNotContainAnyElementsOf(before).hasSize(2);
        }
    }

    @Nested
    class Failures {
        @Test
        void aBackendThatAlwaysFailsRetriesWithGrowingDelaysAndReportsItsError() throws Exception {
            tools.failingUv();
            ListAppender<ILoggingEvent> log = new ListAppender<>();
            log.start();
            Logger fillerLog = (Logger) LoggerFactory.getLogger(PoolFiller.class);
            fillerLog.addAppender(log);
            try {
                start(1, 0, Duration.ofMillis(150), PoolOptions.defaults());
                await().atMost(WAIT).until(() -> tools.times("venv").size() >= 4);
            } finally {
                fillerLog.detachAppender(log);
            }
            // the delays the filler chose double from the first retry: never a hot loop
            assertThat(List.copyOf(log.list).stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("retrying in")).limit(3)
                    .map(m -> m.replaceAll(".*retrying in (\\d+) ms.*", "$1")))
                    .containsExactly("150", "300", "600");
            // and each retry came no sooner than its delay (the stand-in stamps its start; a loaded
            // machine only makes the gaps longer)
            List<Long> t = tools.times("venv");
            assertThat(t.get(1) - t.get(0)).isGreaterThanOrEqualTo(140);
            assertThat(t.get(3) - t.get(2)).isGreaterThanOrEqualTo(590);

            PoolStats stats = pools.stats();
            assertThat(stats.uvAvailable()).isZero();
            assertThat(stats.uvError()).isNotNull();
            assertThat(stats.uvError().message()).contains("uv venv failed").contains("no network");
            assertThat(envDirs()).as("failed builds leave nothing behind").isEmpty();
        }

        @Test
        void withoutAnyCondaToolTheCondaPoolStaysEmptyAndSaysWhy() throws Exception {
            start(0, 2);
            await().atMost(WAIT).until(() -> pools.stats().condaError() != null);
            PoolStats stats = pools.stats();
            assertThat(stats.condaBackend()).isEqualTo("none");
            assertThat(stats.condaError().message()).contains("micromamba, mamba or conda");
            assertThat(stats.condaWarming()).isZero();
            assertThat(stats.condaAvailable()).isZero();
        }

        @Test
        void closeKillsABuildInFlightAndRemovesItsDirectory() throws Exception {
            tools.uv();
            // the stand-in's "pip install" blocks until this file exists, which it never will
            Path never = tmp.resolve("never");
            runner = new ProcessRunner(Map.of("STANDIN_BLOCK", never.toString()));
            start(1, 0);
            await().atMost(WAIT).until(() -> tools.calls("pip").size() == 1);
            long pid = Long.parseLong(Files.readString(tools.bin().resolve("uv.pid")).trim());
            assertThat(ProcessHandle.of(pid)).isPresent();

            warming.close();
            warming = null;
            await().atMost(WAIT).until(() -> ProcessHandle.of(pid).map(ph -> !ph.isAlive()).orElse(true));
            await().atMost(WAIT).until(() -> envDirs().isEmpty());
        }

        @Test
        void buildsInFlightDuringAFlushAreDiscarded() throws Exception {
            SystemPackages.requireIpykernelAndIpywidgets();
            tools.uv();
            Path gate = tmp.resolve("gate");
            runner = new ProcessRunner(Map.of("STANDIN_BLOCK", gate.toString()));
            start(1, 0);
            await().atMost(WAIT).until(() -> tools.calls("pip").size() == 1);
            Path first = envDirs().get(0);

            pools.flush();
            Files.createFile(gate);
            await().atMost(WAIT).until(() -> pools.stats().uvAvailable() == 1);
            assertThat(first).as("built with the settings of before the flush").doesNotExist();
            assertThat(Path.of(pools.take(EnvType.UV).orElseThrow().venvPath())).isNotEqualTo(first);
        }
    }

    @Nested
    class CondaTools {
        @Test
        void micromambaIsPreferredAndGetsTheSpecsCommandLine() throws Exception {
            SystemPackages.requireIpykernelAndIpywidgets();
            tools.condaTool("conda");
            tools.condaTool("mamba");
            tools.condaTool("micromamba");
            Files.writeString(settingsJson, "{\"conda\":{\"default_packages\":[\"scipy>=1.10\"]}}");
            start(0, 1);
            await().atMost(WAIT).until(() -> pools.stats().condaAvailable() == 1);

            assertThat(pools.stats().condaBackend()).startsWith("micromamba (");
            Path dir = Path.of(pools.take(EnvType.CONDA).orElseThrow().venvPath());
            assertThat(dir.getFileName().toString()).startsWith("runtimed-conda-");
            assertThat(tools.calls("create")).containsExactly(List.of("create", "-y", "-p", dir.toString(),
                    "-c", "conda-forge", "--override-channels", "python>=3.9", "ipykernel", "ipywidgets", "scipy>=1.10"));
            assertThat(dir.resolve(".warmed")).exists();
        }
    }

    @Nested
    class Fallback {
        @Test
        void withoutUvTheUvPoolIsBuiltWithPythonVenvAndPip() throws Exception {
            SystemPackages.requirePythonVenv();
            SystemPackages.requireIpykernelAndIpywidgets();
            // no uv on PATH: /usr/bin/python3 -m venv --system-site-packages, then pip finds ipykernel installed
            start(1, 0, Duration.ofSeconds(5), new PoolOptions(null, null, Path.of(StandIns.PYTHON), true, null, null,
                    2, Duration.ofSeconds(5), Duration.ofSeconds(30)));
            await().atMost(WAIT).until(() -> pools.stats().uvAvailable() == 1 || pools.stats().uvError() != null);
            assertThat(pools.stats().uvError()).isNull();
            assertThat(pools.stats().uvBackend()).isEqualTo("venv + pip (" + StandIns.PYTHON + ")");
            PooledEnv env = pools.take(EnvType.UV).orElseThrow();
            assertThat(Path.of(env.venvPath(), "bin", "pip")).exists();
            Optional<PooledEnv> none = pools.take(EnvType.UV);
            assertThat(none).isEmpty();
        }
    }

    /** The tests' stand-in for the settings document: settings.json as it is on disk now, {} when absent. */
    static com.fasterxml.jackson.databind.JsonNode settingsFileTree(Path settingsJson) {
        try {
            return io.runtimed.protocol.Json.MAPPER.readTree(java.nio.file.Files.readAllBytes(settingsJson));
        } catch (java.io.IOException e) {
            return io.runtimed.protocol.Json.MAPPER.createObjectNode();
        }
    }
}
