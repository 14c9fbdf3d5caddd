package io.runtimed.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.client.PoolClient;
import io.runtimed.client.PoolConnection;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PoolRequest;
import io.runtimed.protocol.PoolResponse;
import io.runtimed.protocol.PoolStats;
import io.runtimed.protocol.PooledEnv;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RawSocket;
import io.runtimed.testkit.RuntHome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** PROTOCOL.md §4 and POOL.md against a real daemon: exact bytes on the wire, concurrency, the pool's bookkeeping. */
class PoolChannelIT {
    static final Duration ANSWER = Duration.ofSeconds(5);
    static final String POOL = "{\"channel\":\"pool\"}";

    static String request(RawSocket s, String json) {
        s.sendFrame(json);
        return s.readJson(ANSWER);
    }

    /**
     * A status answer cut down to the reference's four counters: a daemon with non-empty pools
     * adds its backends and their errors as extra fields (issue 3), which these tests do not judge.
     */
    static String counters(String statsAnswer) {
        try {
            com.fasterxml.jackson.databind.node.ObjectNode root =
                    (com.fasterxml.jackson.databind.node.ObjectNode) io.runtimed.protocol.Json.MAPPER.readTree(statsAnswer);
            com.fasterxml.jackson.databind.node.ObjectNode stats = (com.fasterxml.jackson.databind.node.ObjectNode) root.get("stats");
            stats.retain("uv_available", "uv_warming", "conda_available", "conda_warming");
            return io.runtimed.protocol.Json.MAPPER.writeValueAsString(root);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static PoolStats counters(PoolStats s) {
        return new PoolStats(s.uvAvailable(), s.uvWarming(), s.condaAvailable(), s.condaWarming());
    }

    static String stats(int uvAvailable, int condaAvailable) {
        return "{\"type\":\"stats\",\"stats\":{\"uv_available\":" + uvAvailable + ",\"uv_warming\":0,\"conda_available\":"
                + condaAvailable + ",\"conda_warming\":0}}";
    }

    static String envAnswer(EnvType type, Path dir) {
        return "{\"type\":\"env\",\"env\":{\"env_type\":\"" + type.wireName() + "\",\"venv_path\":\"" + dir
                + "\",\"python_path\":\"" + dir.resolve("bin").resolve("python") + "\"}}";
    }

    /** Runs {@code n} tasks released together (each has already done its setup when the barrier opens). */
    static <T> List<T> together(int n, Callable<T> setUpThenRun, ExecutorService pool) throws Exception {
        List<Future<T>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(pool.submit(setUpThenRun));
        }
        List<T> results = new ArrayList<>();
        for (Future<T> f : futures) {
            results.add(f.get(30, TimeUnit.SECONDS));
        }
        return results;
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class OnEmptyPools {
        RuntHome home;
        DaemonProcess daemon;

        @BeforeAll
        void startDaemon(@TempDir Path dir) {
            home = RuntHome.in(dir);
            daemon = DaemonProcess.start(home);
        }

        @AfterAll
        void stopDaemon() {
            daemon.close();
            home.close();
        }

        @Test
        void pingIsAnsweredWithPongByteForByte() {
            try (RawSocket s = RawSocket.connect(daemon.socket())) {
                // PROTOCOL.md §2, the example on the wire
                s.send(HexFormat.of().parseHex("000000127b226368616e6e656c223a22706f6f6c227d"));
                s.send(HexFormat.of().parseHex("0000000f7b2274797065223a2270696e67227d"));
                byte[] answer = s.readExactly(19, ANSWER);
                assertThat(HexFormat.of().formatHex(answer)).isEqualTo("0000000f7b2274797065223a22706f6e67227d");
                assertThat(new String(answer, 4, 15, StandardCharsets.UTF_8)).isEqualTo("{\"type\":\"pong\"}");
            }
        }

        @Test
        void statusHasTheExactShapeOfTheSpec() {
            // empty pools build nothing and report nothing beyond the reference's four counters
            try (RawSocket s = RawSocket.open(daemon.socket(), POOL)) {
                assertThat(request(s, "{\"type\":\"status\"}")).isEqualTo(
                        "{\"type\":\"stats\",\"stats\":{\"uv_available\":0,\"uv_warming\":0,\"conda_available\":0,\"conda_warming\":0}}");
            }
        }

        @ParameterizedTest(name = "take {0}")
        @ValueSource(strings = {"uv", "conda"})
        void takeOnAnEmptyPoolAnswersEmpty(String envType) {
            try (RawSocket s = RawSocket.open(daemon.socket(), POOL)) {
                assertThat(request(s, "{\"type\":\"take\",\"env_type\":\"" + envType + "\"}"))
                        .isEqualTo("{\"type\":\"empty\"}");
            }
        }

        @Test
        void handshakeAndRequestsAreParsedWhateverTheKeyOrderAndWhitespace() {
            try (RawSocket s = RawSocket.open(daemon.socket(), " { \"extra\" : 1 ,\n \"channel\" : \"pool\" } ")) {
                assertThat(request(s, "{ \"env_type\" : \"conda\", \"type\" : \"take\", \"unknown\": [1] }"))
                        .isEqualTo("{\"type\":\"empty\"}");
            }
        }

        @Test
        void manyRequestsOnOneConnectionAreAnsweredInOrder() {
            List<String> requests = List.of("{\"type\":\"ping\"}", "{\"type\":\"status\"}",
                    "{\"type\":\"take\",\"env_type\":\"uv\"}", "{\"type\":\"ping\"}",
                    "{\"type\":\"take\",\"env_type\":\"conda\"}", "{\"type\":\"status\"}");
            List<String> expected = List.of("{\"type\":\"pong\"}", stats(0, 0), "{\"type\":\"empty\"}",
                    "{\"type\":\"pong\"}", "{\"type\":\"empty\"}", stats(0, 0));
            try (RawSocket s = RawSocket.open(daemon.socket(), POOL)) {
                // all requests in one write, before reading anything: the daemon must keep them in order
                java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
                for (int round = 0; round < 20; round++) {
                    for (String r : requests) {
                        all.writeBytes(RawSocket.frame(r));
                    }
                }
                s.send(all.toByteArray());
                List<String> answers = new ArrayList<>();
                for (int i = 0; i < 20 * requests.size(); i++) {
                    answers.add(s.readJson(ANSWER));
                }
                for (int round = 0; round < 20; round++) {
                    assertThat(answers.subList(round * requests.size(), (round + 1) * requests.size()))
                            .as("answers of round %d", round).containsExactlyElementsOf(expected);
                }
                // and the connection is still usable
                assertThat(request(s, "{\"type\":\"ping\"}")).isEqualTo("{\"type\":\"pong\"}");
            }
        }

        @Test
        void fiftyConcurrentClientsReleasedTogetherAllGetPong() throws Exception {
            int clients = 50;
            CyclicBarrier barrier = new CyclicBarrier(clients);
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<PoolResponse> answers = together(clients, () -> {
                    try (PoolConnection c = PoolConnection.open(daemon.socket(), Duration.ofSeconds(5), ANSWER)) {
                        barrier.await(20, TimeUnit.SECONDS);
                        return c.request(new PoolRequest.Ping());
                    }
                }, pool);
                assertThat(answers).hasSize(clients).allMatch(a -> a instanceof PoolResponse.Pong);
            } finally {
                pool.shutdownNow();
            }
        }

        @Test
        void theClientLibraryTalksToTheDaemon() throws Exception {
            PoolClient client = daemon.client();
            client.ping();
            assertThat(client.status()).isEqualTo(new PoolStats(0, 0, 0, 0));
            assertThat(client.take(EnvType.UV)).isEmpty();
            assertThat(client.take(EnvType.CONDA)).isEmpty();
        }
    }

    /**
     * POOL.md §4, §7–§9 with environments the test places on disk before the daemon starts. Each
     * test changes the pool, so each gets its own daemon.
     */
    @Nested
    class WithEnvironmentsOnDisk {
        @TempDir
        Path dir;

        RuntHome home;
        List<Path> uvEnvs;
        List<Path> condaEnvs;

        /** Three uv and two conda environments, pools sized to hold exactly them (nothing to build). */
        DaemonProcess startWithEnvs() {
            home = RuntHome.in(dir);
            uvEnvs = List.of(home.placeEnv(EnvType.UV), home.placeEnv(EnvType.UV), home.placeEnv(EnvType.UV));
            condaEnvs = List.of(home.placeEnv(EnvType.CONDA), home.placeEnv(EnvType.CONDA));
            return DaemonProcess.in(home).uvPoolSize(3).condaPoolSize(2).start();
        }

        @org.junit.jupiter.api.AfterEach
        void killLeftovers() {
            if (home != null) {
                home.close();
            }
        }

        @Test
        void environmentsFoundAtStartAreAdoptedAndCounted() {
            try (DaemonProcess d = startWithEnvs(); RawSocket s = RawSocket.open(d.socket(), POOL)) {
                assertThat(counters(request(s, "{\"type\":\"status\"}"))).isEqualTo(stats(3, 2));
            }
        }

        @Test
        void takeHandsOutAnAdoptedEnvironmentWithAbsolutePaths() {
            try (DaemonProcess d = startWithEnvs(); RawSocket s = RawSocket.open(d.socket(), POOL)) {
                String uv = request(s, "{\"type\":\"take\",\"env_type\":\"uv\"}");
                assertThat(uvEnvs.stream().map(e -> envAnswer(EnvType.UV, e))).as("one of the placed uv envs")
                        .contains(uv);
                String conda = request(s, "{\"type\":\"take\",\"env_type\":\"conda\"}");
                assertThat(condaEnvs.stream().map(e -> envAnswer(EnvType.CONDA, e))).contains(conda);
                assertThat(counters(request(s, "{\"type\":\"status\"}"))).isEqualTo(stats(2, 1));
            }
        }

        @Test
        void twentyConcurrentTakesFromAPoolOfThreeGiveThreeDistinctEnvsAndSeventeenEmpties() throws Exception {
            int clients = 20;
            try (DaemonProcess d = startWithEnvs()) {
                CyclicBarrier barrier = new CyclicBarrier(clients);
                ExecutorService pool = Executors.newFixedThreadPool(clients);
                try {
                    List<PoolResponse> answers = together(clients, () -> {
                        try (PoolConnection c = PoolConnection.open(d.socket(), Duration.ofSeconds(5), ANSWER)) {
                            barrier.await(20, TimeUnit.SECONDS);
                            return c.request(new PoolRequest.Take(EnvType.UV));
                        }
                    }, pool);
                    List<String> handedOut = answers.stream().filter(a -> a instanceof PoolResponse.Env)
                            .map(a -> ((PoolResponse.Env) a).env().venvPath()).collect(Collectors.toList());
                    assertThat(handedOut).as("no env is handed out twice")
                            .doesNotHaveDuplicates()
                            .containsExactlyInAnyOrderElementsOf(uvEnvs.stream().map(Path::toString).toList());
                    assertThat(answers.stream().filter(a -> a instanceof PoolResponse.Empty)).hasSize(17);
                } finally {
                    pool.shutdownNow();
                }
                assertThat(counters(d.client().status())).isEqualTo(new PoolStats(0, 0, 2, 0));
            }
        }

        @Test
        void takeSkipsEnvironmentsWhoseDirectoryWasDeletedAfterStart() throws Exception {
            try (DaemonProcess d = startWithEnvs(); RawSocket s = RawSocket.open(d.socket(), POOL)) {
                io.runtimed.pool.EnvDirectories.deleteTree(uvEnvs.get(0));
                io.runtimed.pool.EnvDirectories.deleteTree(uvEnvs.get(2));
                assertThat(request(s, "{\"type\":\"take\",\"env_type\":\"uv\"}"))
                        .isEqualTo(envAnswer(EnvType.UV, uvEnvs.get(1)));
                assertThat(request(s, "{\"type\":\"take\",\"env_type\":\"uv\"}")).isEqualTo("{\"type\":\"empty\"}");
                assertThat(counters(request(s, "{\"type\":\"status\"}"))).isEqualTo(stats(0, 2));
            }
        }

        @Test
        void aReturnedEnvironmentGoesBackIntoThePool() {
            try (DaemonProcess d = startWithEnvs(); RawSocket s = RawSocket.open(d.socket(), POOL)) {
                String taken = request(s, "{\"type\":\"take\",\"env_type\":\"uv\"}");
                String env = taken.substring("{\"type\":\"env\",\"env\":".length(), taken.length() - 1);
                assertThat(counters(request(s, "{\"type\":\"status\"}"))).isEqualTo(stats(2, 2));

                assertThat(request(s, "{\"type\":\"return\",\"env\":" + env + "}")).isEqualTo("{\"type\":\"returned\"}");

                assertThat(counters(request(s, "{\"type\":\"status\"}"))).isEqualTo(stats(3, 2));
                List<String> again = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    again.add(request(s, "{\"type\":\"take\",\"env_type\":\"uv\"}"));
                }
                assertThat(again).as("the returned env can be taken again").contains(taken);
            }
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"outside the env root", "dot-dot out of the env root", "not of our naming"})
        void aReturnOfAPathThatIsNotOursIsRefusedAndNothingIsDeleted(String where) throws Exception {
            try (DaemonProcess d = startWithEnvs(); RawSocket s = RawSocket.open(d.socket(), POOL)) {
                Path foreign;
                String venvPath;
                switch (where) {
                    case "outside the env root" -> {
                        foreign = RuntHome.placeEnvUnder(home.root().resolve("elsewhere"), EnvType.UV, 1);
                        venvPath = foreign.toString();
                    }
                    case "dot-dot out of the env root" -> {
                        foreign = RuntHome.placeEnvUnder(home.runtDir(), EnvType.UV, 1);
                        venvPath = home.envRoot().resolve("..").resolve(foreign.getFileName()).toString();
                    }
                    default -> {
                        foreign = home.envRoot().resolve("my-precious-env");
                        Files.createDirectories(foreign.resolve("bin"));
                        Files.writeString(foreign.resolve("bin").resolve("python"), "");
                        Files.writeString(foreign.resolve(".warmed"), "");
                        venvPath = foreign.toString();
                    }
                }
                String answer = request(s, "{\"type\":\"return\",\"env\":{\"env_type\":\"uv\",\"venv_path\":\"" + venvPath
                        + "\",\"python_path\":\"" + venvPath + "/bin/python\"}}");

                assertThat(answer).startsWith("{\"type\":\"error\",\"message\":\"").contains(foreign.getFileName().toString());
                assertThat(foreign.resolve("bin").resolve("python")).as("the refused directory is left alone").exists();
                assertThat(counters(request(s, "{\"type\":\"status\"}"))).as("the pool is unchanged").isEqualTo(stats(3, 2));
                assertThat(request(s, "{\"type\":\"ping\"}")).as("the connection goes on").isEqualTo("{\"type\":\"pong\"}");
            }
        }

        @Test
        void flushDeletesTheAvailableEnvironmentsButNotOnesHandedOut() {
            try (DaemonProcess d = startWithEnvs(); RawSocket s = RawSocket.open(d.socket(), POOL)) {
                String taken = request(s, "{\"type\":\"take\",\"env_type\":\"uv\"}");
                Path takenDir = uvEnvs.stream().filter(e -> taken.equals(envAnswer(EnvType.UV, e))).findFirst()
                        .orElseThrow(() -> new AssertionError("unexpected take answer " + taken));

                assertThat(request(s, "{\"type\":\"flush_pool\"}")).isEqualTo("{\"type\":\"flushed\"}");

                List<Path> pooled = new ArrayList<>(uvEnvs);
                pooled.remove(takenDir);
                pooled.addAll(condaEnvs);
                assertThat(pooled).as("flushed environment dirs").allMatch(p -> !Files.exists(p));
                assertThat(takenDir).as("the env a client holds").isDirectory();
                assertThat(counters(request(s, "{\"type\":\"status\"}"))).isEqualTo(stats(0, 0));
                assertThat(request(s, "{\"type\":\"take\",\"env_type\":\"conda\"}")).isEqualTo("{\"type\":\"empty\"}");
            }
        }

        @Test
        void anEnvironmentOlderThanTwoDaysIsNotHandedOutAndIsDeleted() throws Exception {
            // POOL.md §11 as the README promises: age is the time the build finished (its .warmed marker),
            // so the limit holds across restarts
            home = RuntHome.in(dir);
            Path old = home.placeEnv(EnvType.UV);
            Files.setLastModifiedTime(old.resolve(".warmed"), java.nio.file.attribute.FileTime.from(
                    java.time.Instant.now().minus(Duration.ofDays(3))));
            try (DaemonProcess d = DaemonProcess.in(home).uvPoolSize(1).start();
                 RawSocket s = RawSocket.open(d.socket(), POOL)) {
                assertThat(request(s, "{\"type\":\"take\",\"env_type\":\"uv\"}")).isEqualTo("{\"type\":\"empty\"}");
                assertThat(old).as("a pruned stale environment is deleted").doesNotExist();
            }
        }

        @Test
        void unfinishedAndForeignDirectoriesAreNotAdopted() throws Exception {
            home = RuntHome.in(dir);
            Path ready = home.placeEnv(EnvType.UV);
            Path unmarked = home.placeEnv(EnvType.UV);
            Files.delete(unmarked.resolve(".warmed"));
            Path foreign = home.envRoot().resolve("somebody-elses-dir");
            Files.createDirectories(foreign.resolve("bin"));
            Files.writeString(foreign.resolve("bin").resolve("python"), "");
            try (DaemonProcess d = DaemonProcess.in(home).uvPoolSize(3).start()) {
                assertThat(counters(d.client().status())).isEqualTo(new PoolStats(1, 0, 0, 0));
                Optional<PooledEnv> env = d.client().take(EnvType.UV);
                assertThat(env).map(PooledEnv::venvPath).contains(ready.toString());
                assertThat(foreign).as("a directory not of our naming is never touched").isDirectory();
            }
        }
    }
}
