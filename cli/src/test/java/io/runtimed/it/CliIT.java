package io.runtimed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.RuntimedVersion;
import io.runtimed.testkit.Cli;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.JavaProcess;
import io.runtimed.testkit.RuntHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** CLI.md and DAEMON.md §8: what {@code runt pool …} and {@code runtimed …} print and return, as subprocesses. */
class CliIT {

    static void assertNoStackTrace(Cli.Result r) {
        assertThat(r.stderr()).as("stderr of %s", r.command()).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.stdout()).as("stdout of %s", r.command()).doesNotContain("\tat ");
    }

    /** One line on stderr, nothing on stdout, exit 1. */
    static String oneErrorLine(Cli.Result r) {
        assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
        assertThat(r.stdout()).as("%s", r).isEmpty();
        assertThat(r.stderrLines()).as("%s", r).hasSize(1);
        assertNoStackTrace(r);
        return r.stderrLines().get(0);
    }

    static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }

    static List<String> keys(JsonNode node) {
        List<String> keys = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    /**
     * The output before the "Runtimes:" block that {@code runtimedStatus} and {@code runt pool info}
     * end with (issue 7 item 4); the block must be there, after an empty line. What it lists depends
     * on the machine's PATH, so {@link RuntimesOnTheCallersPath} tests it with stand-ins.
     */
    static String beforeRuntimes(Cli.Result r) {
        int at = r.stdout().indexOf("\nRuntimes:\n  Usable:     ");
        assertThat(at).as("a Runtimes block after an empty line in %s", r).isPositive();
        return r.stdout().substring(0, at);
    }

    /** The lines of the "Runtimes:" block, its header first. */
    static List<String> runtimesLines(Cli.Result r) {
        return r.stdout().substring(beforeRuntimes(r).length() + 1).lines().toList();
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithoutADaemon {
        RuntHome home;

        @BeforeAll
        void emptyHome(@TempDir Path dir) {
            home = RuntHome.in(dir);
        }

        @AfterAll
        void cleanUp() {
            home.close();
        }

        @Test
        void poolPingSaysTheDaemonIsNotRunningInOneLine() {
            String line = oneErrorLine(Cli.runt(home, "pool", "ping"));
            // CLI.md §4 wording; the socket path may stand between "daemon" and the OS error (next test)
            assertThat(line).startsWith("Daemon not running: Failed to connect to daemon")
                    .endsWith("No such file or directory (os error 2)");
        }

        @Test
        void poolPingNamesTheSocketPathItTried() {
            // issue 2, item 8: "one clear line saying so (with the socket path it tried)"
            String line = oneErrorLine(Cli.runt(home, "pool", "ping"));
            assertThat(line).as("the line names the socket it tried").contains(home.defaultSocket().toString());
        }

        @ParameterizedTest(name = "runt pool {0}")
        @CsvSource({
            "status,   Failed to get status: Failed to connect to daemon",
            "take,     Failed to take environment: Failed to connect to daemon",
            "flush,    Failed to flush pool: Failed to connect to daemon",
            "shutdown, Failed to shutdown: Failed to connect to daemon"})
        void poolCommandsFailWithTheirOwnPrefix(String command, String prefix) {
            assertThat(oneErrorLine(Cli.runt(home, "pool", command))).startsWith(prefix);
        }

        @Test
        void poolInfoSaysThereIsNoDaemonJson() {
            assertThat(oneErrorLine(Cli.runt(home, "pool", "info"))).isEqualTo("Daemon not running (no daemon.json found)");
        }

        @Test
        void poolTakeRejectsAnUnknownEnvTypeBeforeConnecting() {
            assertThat(oneErrorLine(Cli.runt(home, "pool", "take", "xx"))).isEqualTo("Invalid env_type: xx. Use 'uv' or 'conda'.");
        }

        @Test
        void runtAloneSaysNoCommandWasGivenAndSucceeds() {
            Cli.Result r = Cli.runt(home);
            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(r.stdout()).isEqualTo("No command specified. Use --help for usage information.\n");
        }

        @Test
        void runtVersionIsTheCliVersion() {
            Cli.Result r = Cli.runt(home, "--version");
            assertThat(r.exitCode()).isZero();
            assertThat(r.stdout()).isEqualTo("runt-cli " + RuntimedVersion.version() + "\n");
            assertThat(r.stdout()).matches("runt-cli \\d+\\.\\d+\\.\\d+\n");
        }

        @Test
        void runtHelpShowsUsage() {
            Cli.Result r = Cli.runt(home, "--help");
            assertThat(r.exitCode()).isZero();
            assertThat(r.stdout()).startsWith("Usage: runt").contains("pool");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource({"runt bogus", "runt pool bogus", "runtimed bogus", "runt pool take uv conda"})
        void usageErrorsExitWithTwo(String commandLine) {
            List<String> words = List.of(commandLine.split(" "));
            String[] args = words.subList(1, words.size()).toArray(String[]::new);
            Cli.Result r = words.get(0).equals("runt") ? Cli.runt(home, args) : Cli.runtimed(home, args);
            assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
            assertThat(r.stderr()).as("%s", r).contains(words.get(words.size() - 1));
            assertNoStackTrace(r);
        }

        @Test
        void runtimedStatusSaysNotRunning() {
            Cli.Result r = Cli.runtimed(home, "status");
            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(beforeRuntimes(r)).isEqualTo("runtimed Status\n===============\nService installed: no\nDaemon running:    no\n");
        }

        @Test
        void runtimedStatusJsonHasNullsForWhatIsAbsent() throws Exception {
            Cli.Result r = Cli.runtimed(home, "status", "--json");
            assertThat(r.exitCode()).as("%s", r).isZero();
            JsonNode status = json(r.stdout());
            assertThat(status.path("running").asBoolean(true)).isFalse();
            assertThat(status.path("installed").asBoolean(true)).isFalse();
            assertThat(status.has("daemon_info")).isTrue();
            assertThat(status.get("daemon_info").isNull()).isTrue();
            assertThat(status.get("pool_stats").isNull()).isTrue();
            assertThat(keys(status)).containsExactly("daemon_info", "installed", "pool_stats", "running", "runtimes");
        }

        @Test
        void runtimedStatusFindsTheMachinesOwnPython() throws Exception {
            JsonNode runtimes = json(Cli.runtimed(home, "status", "--json").stdout()).path("runtimes");
            assertThat(runtimes.path("usable").toString()).as("%s", runtimes).contains("\"python\"");
            assertThat(runtimes.path("interpreters")).as("%s", runtimes).anySatisfy(p -> {
                assertThat(p.path("name").asText()).isEqualTo("python3");
                assertThat(p.path("usable").asBoolean()).isTrue();
                assertThat(p.path("version").asText()).matches("\\d+\\.\\d+\\.\\d+");
            });
        }

        @Test
        void runtimedFlushPoolSaysTheDaemonIsNotRunning() {
            assertThat(oneErrorLine(Cli.runtimed(home, "flush-pool"))).isEqualTo("Daemon is not running.");
        }

        @Test
        void runtimedStopSaysTheServiceIsNotInstalled() {
            assertThat(oneErrorLine(Cli.runtimed(home, "stop"))).isEqualTo("Service not installed.");
        }

        @Test
        void runtimedVersionCarriesTheBuild() {
            Cli.Result r = Cli.runtimed(home, "--version");
            assertThat(r.exitCode()).isZero();
            assertThat(r.stdout()).startsWith("runtimed 0.1.0+").isEqualTo("runtimed " + RuntimedVersion.full() + "\n");
        }

        @Test
        void runtimedRunRefusesANegativePoolSizeAsAUsageError() {
            Cli.Result r = Cli.runtimed(home, "run", "--uv-pool-size", "-1");
            assertThat(r.exitCode()).as("%s", r).isEqualTo(2);
            assertThat(r.stderr()).contains("pool sizes must not be negative");
        }
    }

    /** A daemon.json as the reference daemon writes it (DAEMON.md §4), with nobody listening behind it. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithADaemonJsonOfADeadReferenceDaemon {
        RuntHome home;
        Path socket;

        @BeforeAll
        void writeDaemonJson(@TempDir Path dir) throws Exception {
            home = RuntHome.in(dir);
            socket = home.defaultSocket();
            java.nio.file.Files.createDirectories(home.runtDir());
            java.nio.file.Files.writeString(home.infoFile(), "{\n"
                    + "  \"endpoint\": \"" + socket + "\",\n"
                    + "  \"pid\": 48213,\n"
                    + "  \"version\": \"0.1.0-dev.2+1a2b3c4\",\n"
                    + "  \"started_at\": \"2025-02-23T12:00:00.123456789Z\",\n"
                    + "  \"blob_port\": 41234\n"
                    + "}");
            // a service definition makes "installed" true (DAEMON.md §10)
            Path unit = home.config().resolve("systemd/user/runtimed.service");
            java.nio.file.Files.createDirectories(unit.getParent());
            java.nio.file.Files.writeString(unit, "[Unit]\n");
        }

        @AfterAll
        void cleanUp() {
            home.close();
        }

        @Test
        void poolInfoPrintsTheBlobLinesAndSaysStale() {
            Cli.Result r = Cli.runt(home, "pool", "info");
            assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
            List<String> lines = beforeRuntimes(r).lines().toList();
            assertThat(lines).hasSize(10);
            assertThat(lines.subList(0, 9)).containsExactly(
                    "Pool Daemon Info",
                    "================",
                    "Status:     STALE (daemon not responding)",
                    "PID:        48213",
                    "Version:    0.1.0-dev.2+1a2b3c4",
                    "Socket:     " + socket,
                    "Blob port:  41234",
                    "Blob URL:   http://127.0.0.1:41234/blob/{hash}",
                    "Started:    2025-02-23 12:00:00.123456789 UTC");
            assertThat(lines.get(9)).matches("Uptime:     \\d{4,}h \\d{1,2}m \\d{1,2}s");
        }

        @Test
        void poolInfoJsonKeepsTheBlobPort() throws Exception {
            Cli.Result r = Cli.runt(home, "pool", "info", "--json");
            assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
            ObjectNode node = (ObjectNode) json(r.stdout());
            assertThat(keys(node)).containsExactly("endpoint", "pid", "version", "started_at", "blob_port", "alive", "runtimes");
            node.remove("runtimes");
            assertThat(node).isEqualTo(json("{\"endpoint\":\"" + socket + "\",\"pid\":48213,"
                    + "\"version\":\"0.1.0-dev.2+1a2b3c4\",\"started_at\":\"2025-02-23T12:00:00.123456789Z\","
                    + "\"blob_port\":41234,\"alive\":false}"));
        }

        @Test
        void runtimedStatusPrintsTheInfoBlockButNotRunning() {
            Cli.Result r = Cli.runtimed(home, "status");
            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(beforeRuntimes(r)).isEqualTo(
                    "runtimed Status\n"
                            + "===============\n"
                            + "Service installed: yes\n"
                            + "Daemon running:    no\n"
                            + "\n"
                            + "Daemon Info:\n"
                            + "  PID:      48213\n"
                            + "  Endpoint: " + socket + "\n"
                            + "  Version:  0.1.0-dev.2+1a2b3c4\n"
                            + "  Started:  2025-02-23 12:00:00.123456789 UTC\n");
        }
    }

    /**
     * Issue 7 item 4: the runtimes and tools found on the caller's PATH and in its HOME, with
     * stand-ins for the programs this machine does not have (deno, uv, the conda family) and a
     * daemon.json of a dead daemon, so that {@code runt pool info} prints in full.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class RuntimesOnTheCallersPath {
        RuntHome home;
        Path tools;
        Map<String, String> path;

        @BeforeAll
        void standIns(@TempDir Path dir) throws Exception {
            home = RuntHome.in(dir);
            tools = Files.createDirectories(home.root().resolve("tools"));
            standIn(tools, "python3", "echo 'Python 3.12.1'");
            standIn(tools, "python3.12", "echo 'boom' >&2; exit 1");
            standIn(tools, "deno", "echo 'deno 2.1.4 (stable, release, x86_64-unknown-linux-gnu)'; echo 'v8 13.0.245.12-rusty'");
            standIn(tools, "uv", "echo 'uv 0.5.11 (c4d0caaee 2024-12-19)'");
            standIn(tools, "micromamba", "echo 2.0.5");
            standIn(tools, "mamba", "echo 'mamba: broken install' >&2; exit 1");
            standIn(tools, "conda", "echo 'conda 24.11.0'");
            // only the stand-ins' directory: every tool is found there first, whatever the machine has
            path = Map.of("PATH", tools.toString());
            Files.createDirectories(home.runtDir());
            Files.writeString(home.infoFile(), "{\"endpoint\": \"" + home.defaultSocket() + "\", \"pid\": 48213, "
                    + "\"version\": \"0.1.0\", \"started_at\": \"2025-02-23T12:00:00Z\"}");
        }

        @AfterAll
        void cleanUp() {
            home.close();
        }

        static void standIn(Path dir, String name, String body) throws IOException {
            Path p = dir.resolve(name);
            Files.writeString(p, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }

        /** The block's lines for the stand-ins (the machine's own /usr/local/bin may add interpreters between them). */
        void assertStandInBlock(List<String> block) {
            assertThat(block.subList(0, 3)).containsExactly(
                    "Runtimes:",
                    "  Usable:     python, deno",
                    "  python3     3.12.1    " + tools.resolve("python3"));
            assertThat(block).contains(
                    "  python3.12  broken    " + tools.resolve("python3.12") + ": python3.12 --version failed (exit 1): boom");
            assertThat(block.subList(block.size() - 5, block.size())).containsExactly(
                    "  deno        2.1.4     " + tools.resolve("deno"),
                    "  uv          0.5.11    " + tools.resolve("uv"),
                    "  micromamba  2.0.5     " + tools.resolve("micromamba"),
                    "  mamba       broken    " + tools.resolve("mamba") + ": mamba --version failed (exit 1): mamba: broken install",
                    "  conda       24.11.0   " + tools.resolve("conda"));
        }

        @Test
        void runtimedStatusEndsWithTheRuntimesBlockWithStandIns() {
            Cli.Result r = Cli.run(home, path, JavaProcess.RUNTIMED_MAIN, List.of("status"));
            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(beforeRuntimes(r)).endsWith("  Started:  2025-02-23 12:00:00 UTC\n");
            assertStandInBlock(runtimesLines(r));
        }

        @Test
        void runtPoolInfoEndsWithTheSameBlockAndKeepsItsExitStatusWithStandIns() {
            Cli.Result r = Cli.run(home, path, JavaProcess.RUNT_MAIN, List.of("pool", "info"));
            assertThat(r.exitCode()).as("a stale daemon.json still means exit 1: %s", r).isEqualTo(1);
            assertThat(beforeRuntimes(r)).startsWith("Pool Daemon Info\n================\nStatus:     STALE");
            assertStandInBlock(runtimesLines(r));
        }

        @Test
        void runtimedStatusJsonHasTheRuntimesAfterTheSpecsKeysWithStandIns() throws Exception {
            Cli.Result r = Cli.run(home, path, JavaProcess.RUNTIMED_MAIN, List.of("status", "--json"));
            assertThat(r.exitCode()).as("%s", r).isZero();
            JsonNode status = json(r.stdout());
            assertThat(keys(status)).containsExactly("daemon_info", "installed", "pool_stats", "running", "runtimes");
            assertStandInJson(status.get("runtimes"));
        }

        @Test
        void runtPoolInfoJsonHasTheRuntimesAfterAliveWithStandIns() throws Exception {
            Cli.Result r = Cli.run(home, path, JavaProcess.RUNT_MAIN, List.of("pool", "info", "--json"));
            assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
            JsonNode info = json(r.stdout());
            assertThat(keys(info)).containsExactly("endpoint", "pid", "version", "started_at", "alive", "runtimes");
            assertStandInJson(info.get("runtimes"));
        }

        void assertStandInJson(JsonNode runtimes) throws Exception {
            assertThat(keys(runtimes)).containsExactly("usable", "interpreters", "tools");
            assertThat(runtimes.get("usable")).isEqualTo(json("[\"python\", \"deno\"]"));
            assertThat(runtimes.get("interpreters").get(0)).isEqualTo(json("{\"name\": \"python3\", \"path\": \""
                    + tools.resolve("python3") + "\", \"version\": \"3.12.1\", \"usable\": true, \"problem\": null}"));
            assertThat(runtimes.get("interpreters")).contains(json("{\"name\": \"python3.12\", \"path\": \""
                    + tools.resolve("python3.12") + "\", \"version\": null, \"usable\": false, "
                    + "\"problem\": \"python3.12 --version failed (exit 1): boom\"}"));
            assertThat(runtimes.get("tools")).hasSize(5);
            assertThat(runtimes.get("tools").get(0)).isEqualTo(json("{\"name\": \"deno\", \"path\": \""
                    + tools.resolve("deno") + "\", \"version\": \"2.1.4\", \"usable\": true, \"problem\": null}"));
            assertThat(runtimes.get("tools").get(3).path("problem").asText())
                    .isEqualTo("mamba --version failed (exit 1): mamba: broken install");
        }

        @Test
        void theCallersHomeIsSearchedWhenPathLacksATool(@TempDir Path otherHome) throws Exception {
            Path denoDir = Files.createDirectories(otherHome.resolve(".deno/bin"));
            standIn(denoDir, "deno", "echo 'deno 2.0.0'");
            Path empty = Files.createDirectories(otherHome.resolve("empty"));
            Cli.Result r = Cli.run(home, Map.of("PATH", empty.toString(), "HOME", otherHome.toString()),
                    JavaProcess.RUNTIMED_MAIN, List.of("status"));
            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(runtimesLines(r)).contains("  deno        2.0.0     " + denoDir.resolve("deno"));
        }
    }

    /** Read-only commands share one daemon with empty pools. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithARunningDaemon {
        RuntHome home;
        DaemonProcess daemon;
        DaemonInfo info;

        @BeforeAll
        void startDaemon(@TempDir Path dir) {
            home = RuntHome.in(dir);
            daemon = DaemonProcess.start(home);
            info = daemon.info().orElseThrow();
        }

        @AfterAll
        void stopDaemon() {
            daemon.close();
            home.close();
        }

        @AfterEach
        void daemonStillRuns() {
            assertThat(daemon.answersPing()).isTrue();
        }

        Cli.Result ok(Cli.Result r) {
            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(r.stderr()).as("%s", r).isEmpty();
            return r;
        }

        @Test
        void poolPingPrintsPong() {
            assertThat(ok(Cli.runt(home, "pool", "ping")).stdout()).isEqualTo("pong\n");
        }

        @Test
        void poolStatusPrintsTheBlockOfTheSpec() {
            assertThat(ok(Cli.runt(home, "pool", "status")).stdout()).isEqualTo(
                    "Pool Daemon Status\n"
                            + "==================\n"
                            + "UV environments:\n"
                            + "  Available: 0\n"
                            + "  Warming:   0\n"
                            + "Conda environments:\n"
                            + "  Available: 0\n"
                            + "  Warming:   0\n");
        }

        @Test
        void poolStatusJsonIsPrettyInWireOrder() {
            assertThat(ok(Cli.runt(home, "pool", "status", "--json")).stdout()).isEqualTo(
                    "{\n  \"uv_available\": 0,\n  \"uv_warming\": 0,\n  \"conda_available\": 0,\n  \"conda_warming\": 0\n}\n");
        }

        @Test
        void poolInfoPrintsTheDaemonJsonBlock() {
            List<String> lines = beforeRuntimes(ok(Cli.runt(home, "pool", "info"))).lines().toList();
            int port = info.blobPort();
            assertThat(lines).hasSize(9);
            assertThat(lines.subList(0, 8)).containsExactly(
                    "Pool Daemon Info",
                    "================",
                    "PID:        " + daemon.pid(),
                    "Version:    " + RuntimedVersion.full(),
                    "Socket:     " + daemon.socket(),
                    "Blob port:  " + port,
                    "Blob URL:   http://127.0.0.1:" + port + "/blob/{hash}",
                    "Started:    " + info.startedAtHuman());
            assertThat(lines.get(8)).matches("Uptime:     \\d+h \\d+m \\d+s");
            assertThat(info.startedAtHuman()).matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(\\.\\d{3}|\\.\\d{6}|\\.\\d{9})? UTC");
        }

        @Test
        void poolInfoJsonIsDaemonJsonPlusAlive() throws Exception {
            JsonNode node = json(ok(Cli.runt(home, "pool", "info", "--json")).stdout());
            assertThat(node.path("alive").isBoolean()).isTrue();
            assertThat(node.path("alive").asBoolean()).isTrue();
            assertThat(node.path("pid").asLong()).isEqualTo(daemon.pid());
            assertThat(node.path("endpoint").asText()).isEqualTo(daemon.socket().toString());
            assertThat(node.path("version").asText()).isEqualTo(RuntimedVersion.full());
            assertThat(node.path("started_at").asText()).isEqualTo(info.startedAtText());
            assertThat(node.path("blob_port").asInt()).isEqualTo(info.blobPort());
            assertThat(keys(node)).as("daemon.json's keys in its order, then ours")
                    .containsExactly("endpoint", "pid", "version", "started_at", "blob_port", "alive", "runtimes");
            assertThat(node.path("runtimes").path("usable").isArray()).isTrue();
        }

        @ParameterizedTest(name = "runt pool take {0}")
        @CsvSource({"'', uv", "uv, uv", "Uv, uv", "conda, conda", "CONDA, conda"})
        void poolTakeOnAnEmptyPoolSaysSo(String arg, String type) {
            Cli.Result r = arg.isEmpty() ? Cli.runt(home, "pool", "take") : Cli.runt(home, "pool", "take", arg);
            assertThat(oneErrorLine(r)).isEqualTo("Pool empty for " + type);
        }

        @Test
        void poolFlushPrintsItsLineWithAnEmDash() {
            Cli.Result r = ok(Cli.runt(home, "pool", "flush"));
            assertThat(r.stdout()).isEqualTo("Pool flushed \u2014 environments will be rebuilt\n");
            assertThat(HexFormat.of().formatHex(r.stdoutBytes())).as("UTF-8 bytes of the output")
                    .contains("e28094")
                    .isEqualTo(HexFormat.of().formatHex("Pool flushed \u2014 environments will be rebuilt\n"
                            .getBytes(StandardCharsets.UTF_8)));
        }

        @Test
        void runtimedStatusPrintsTheDaemonAndPoolBlocks() {
            assertThat(beforeRuntimes(ok(Cli.runtimed(home, "status")))).isEqualTo(
                    "runtimed Status\n"
                            + "===============\n"
                            + "Service installed: no\n"
                            + "Daemon running:    yes\n"
                            + "\n"
                            + "Daemon Info:\n"
                            + "  PID:      " + daemon.pid() + "\n"
                            + "  Endpoint: " + daemon.socket() + "\n"
                            + "  Version:  " + RuntimedVersion.full() + "\n"
                            + "  Started:  " + info.startedAtHuman() + "\n"
                            + "\n"
                            + "Pool Statistics:\n"
                            + "  UV:    0/0 available\n"
                            + "  Conda: 0/0 available\n");
        }

        @Test
        void runtimedStatusJsonReportsRunningWithPoolStats() throws Exception {
            JsonNode status = json(ok(Cli.runtimed(home, "status", "--json")).stdout());
            assertThat(status.path("running").asBoolean()).isTrue();
            assertThat(status.path("installed").asBoolean(true)).isFalse();
            assertThat(status.get("pool_stats")).isEqualTo(
                    json("{\"uv_available\":0,\"uv_warming\":0,\"conda_available\":0,\"conda_warming\":0}"));
            assertThat(status.get("daemon_info")).isEqualTo(json(home.infoFileText().orElseThrow()));
            assertThat(keys(status)).containsExactly("daemon_info", "installed", "pool_stats", "running", "runtimes");
        }

        @Test
        void runtimedFlushPoolPrintsBothLines() {
            assertThat(ok(Cli.runtimed(home, "flush-pool")).stdout()).isEqualTo(
                    "Flushing pool environments...\nPool flushed. Environments will be rebuilt with current settings.\n");
        }
    }

    /** Commands that change or end the daemon get one each. */
    @Nested
    class ThatChangeTheDaemon {
        @TempDir
        Path dir;
        RuntHome home;

        @AfterEach
        void cleanUp() {
            if (home != null) {
                home.close();
            }
        }

        @Test
        void poolTakePrintsThePooledEnvAsPrettyJson() {
            home = RuntHome.in(dir);
            Path env = home.placeEnv(EnvType.UV);
            try (DaemonProcess d = DaemonProcess.in(home).uvPoolSize(1).start()) {
                Cli.Result r = Cli.runt(home, "pool", "take");
                assertThat(r.exitCode()).as("%s", r).isZero();
                assertThat(r.stdout()).isEqualTo("{\n"
                        + "  \"env_type\": \"uv\",\n"
                        + "  \"venv_path\": \"" + env + "\",\n"
                        + "  \"python_path\": \"" + env.resolve("bin").resolve("python") + "\"\n"
                        + "}\n");
                assertThat(oneErrorLine(Cli.runt(home, "pool", "take"))).isEqualTo("Pool empty for uv");
                assertThat(env).as("a taken env belongs to the caller and stays on disk").isDirectory();
                assertThat(d.answersPing()).isTrue();
            }
        }

        @Test
        void afterKill9InfoReportsAStaleDaemonAndOtherCommandsSayNotRunning() {
            home = RuntHome.in(dir);
            long pid;
            DaemonInfo info;
            try (DaemonProcess d = DaemonProcess.start(home)) {
                pid = d.pid();
                info = d.info().orElseThrow();
                d.kill9();
            }
            Cli.Result infoResult = Cli.runt(home, "pool", "info");
            assertThat(infoResult.exitCode()).as("%s", infoResult).isEqualTo(1);
            List<String> lines = infoResult.stdoutLines();
            assertThat(lines.subList(0, 4)).containsExactly("Pool Daemon Info", "================",
                    "Status:     STALE (daemon not responding)", "PID:        " + pid);
            assertNoStackTrace(infoResult);

            Cli.Result infoJson = Cli.runt(home, "pool", "info", "--json");
            assertThat(infoJson.exitCode()).as("%s", infoJson).isEqualTo(1);
            assertThat(infoJson.stdout()).contains("\"alive\": false").contains("\"pid\": " + pid + ",");

            assertThat(oneErrorLine(Cli.runt(home, "pool", "ping")))
                    .startsWith("Daemon not running: Failed to connect to daemon").endsWith("Connection refused (os error 111)");

            Cli.Result status = Cli.runtimed(home, "status");
            assertThat(status.exitCode()).isZero();
            assertThat(status.stdout()).contains("Daemon running:    no\n")
                    .contains("  PID:      " + pid + "\n")
                    .contains("  Started:  " + info.startedAtHuman() + "\n")
                    .doesNotContain("Pool Statistics");
        }

        @Test
        void poolShutdownStopsTheDaemon() {
            home = RuntHome.in(dir);
            try (DaemonProcess d = DaemonProcess.start(home)) {
                Cli.Result r = Cli.runt(home, "pool", "shutdown");
                assertThat(r.exitCode()).as("%s", r).isZero();
                assertThat(r.stdout()).isEqualTo("Shutdown request sent\n");
                assertThat(d.awaitExit(RuntHome.PROMPTLY)).isZero();
                assertThat(home.infoFile()).doesNotExist();
            }
        }

        @Test
        void runtimedStopStopsARunningDaemonAndWaitsForIt() {
            home = RuntHome.in(dir);
            try (DaemonProcess d = DaemonProcess.start(home)) {
                Cli.Result r = Cli.runtimed(home, "stop");
                assertThat(r.exitCode()).as("%s", r).isZero();
                assertThat(r.stdout()).isEqualTo("Stopping runtimed service...\nService stopped.\n");
                assertThat(d.awaitExit(java.time.Duration.ofSeconds(2))).as("the daemon is gone when stop returns").isZero();
                assertThat(home.defaultSocket()).doesNotExist();
                assertThat(home.infoFile()).doesNotExist();
            }
        }

        @Test
        void aDaemonOnACustomSocketIsFoundByInfoButNotByTheDefaultEndpointCommands() throws Exception {
            home = RuntHome.in(dir);
            Path custom = home.root().resolve("custom.sock");
            try (DaemonProcess d = DaemonProcess.in(home).socket(custom).start()) {
                Cli.Result info = Cli.runt(home, "pool", "info");
                assertThat(info.exitCode()).as("%s", info).isZero();
                assertThat(info.stdoutLines()).contains("Socket:     " + custom, "PID:        " + d.pid())
                        .noneMatch(l -> l.startsWith("Status:"));

                assertThat(oneErrorLine(Cli.runt(home, "pool", "ping"))).startsWith("Daemon not running: ");

                JsonNode status = json(Cli.runtimed(home, "status", "--json").stdout());
                assertThat(status.path("running").asBoolean(true)).as("DAEMON.md §8: running means the default endpoint answers")
                        .isFalse();
                assertThat(status.path("daemon_info").path("endpoint").asText()).isEqualTo(custom.toString());
            }
        }
    }
}
