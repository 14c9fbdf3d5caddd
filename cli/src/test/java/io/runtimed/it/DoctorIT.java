package io.runtimed.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.runtimed.daemon.DaemonLock;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.PoolStats;
import io.runtimed.protocol.RuntimedVersion;
import io.runtimed.testkit.Cli;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.JavaProcess;
import io.runtimed.testkit.RuntHome;
import io.runtimed.tools.BackendDetector;
import io.runtimed.tools.ProcessRunner;
import io.runtimed.tools.StandIns;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7 item 5: {@code runtimed doctor} prints one line per check and a fix for each failure, and
 * exits 1 when a check fails. Every failure it looks for is produced here for real: no daemon, a
 * stale daemon.json, a hung daemon, one on another socket, bad directories, missing tools, a dead
 * blob port.
 */
class DoctorIT {
    static final List<String> CHECKS = List.of("runt dir", "settings dir", "socket", "lock", "daemon.json",
            "blob server", "uv pool", "conda pool");
    static final String START = "start the daemon with 'runtimed start' (service) or 'runtimed run'";
    static final String RESTART = "restart the daemon: 'runtimed stop', then 'runtimed start' (service) or 'runtimed run'";
    /** A tag, the check's name, what it found; a fix exactly when the check did not pass. */
    static final Pattern LINE = Pattern.compile("\\[(ok\\]  |skip\\]|WARN\\]|FAIL\\]) ([a-z. ]+): (.+?)(?: — fix: (.+))?");
    /** What the stand-in tools need besides themselves (sh, date). */
    static final String SYSTEM_PATH = "/usr/bin:/bin";

    @TempDir
    Path dir;
    RuntHome home;

    @BeforeEach
    void privateHome() {
        home = RuntHome.in(dir.resolve("h"));
    }

    @AfterEach
    void cleanUp() {
        home.close();
    }

    static Cli.Result doctor(RuntHome home, Map<String, String> env, String... args) {
        List<String> all = new ArrayList<>(List.of("doctor"));
        all.addAll(List.of(args));
        Cli.Result r = Cli.run(home, env, JavaProcess.RUNTIMED_MAIN, all);
        assertThat(r.stderr()).as("stderr of %s", r).isEmpty();
        return r;
    }

    /** The plain report: one well-formed line per check, in order; the exit status follows the FAIL lines. */
    static Cli.Result report(RuntHome home, Map<String, String> env) {
        Cli.Result r = doctor(home, env);
        List<String> lines = r.stdoutLines();
        assertThat(lines).as("%s", r).hasSize(CHECKS.size());
        for (int i = 0; i < lines.size(); i++) {
            var m = LINE.matcher(lines.get(i));
            assertThat(m.matches()).as("line %d is well formed in\n%s", i, r).isTrue();
            assertThat(m.group(2)).as("line %d names its check", i).isEqualTo(CHECKS.get(i));
            boolean passedOrSkipped = m.group(1).startsWith("ok") || m.group(1).startsWith("skip");
            assertThat(m.group(4) == null).as("a fix exactly when not passed: %s", lines.get(i)).isEqualTo(passedOrSkipped);
        }
        boolean anyFail = lines.stream().anyMatch(l -> l.startsWith("[FAIL]"));
        assertThat(r.exitCode()).as("exit status of\n%s", r).isEqualTo(anyFail ? 1 : 0);
        return r;
    }

    static Cli.Result report(RuntHome home) {
        return report(home, Map.of());
    }

    static String line(Cli.Result r, String check) {
        return r.stdoutLines().stream().filter(l -> l.substring(7).startsWith(check + ": ")).findFirst()
                .orElseThrow(() -> new AssertionError("no " + check + " line in\n" + r));
    }

    static Map<String, String> path(Path... dirs) {
        List<String> parts = new ArrayList<>();
        for (Path d : dirs) {
            parts.add(d.toString());
        }
        parts.add(SYSTEM_PATH);
        return Map.of("PATH", String.join(":", parts));
    }

    /** A daemon.json as a daemon writes it (DAEMON.md §4), by hand. */
    static void writeDaemonJson(RuntHome home, long pid, String version, Integer blobPort) throws IOException {
        Files.createDirectories(home.runtDir());
        Files.setPosixFilePermissions(home.runtDir(), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(home.infoFile(), "{\n"
                + "  \"endpoint\": \"" + home.defaultSocket() + "\",\n"
                + "  \"pid\": " + pid + ",\n"
                + "  \"version\": \"" + version + "\",\n"
                + "  \"started_at\": \"2025-02-23T12:00:00.123456789Z\""
                + (blobPort == null ? "" : ",\n  \"blob_port\": " + blobPort)
                + "\n}");
    }

    /** A port nothing listens on: bound by us a moment ago, then closed. */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** An executable that answers --version and otherwise sleeps (killed with its home). */
    static Path slowTool(Path bin, String name) throws IOException {
        Path tool = bin.resolve(name);
        Files.writeString(tool, "#!/bin/sh\n[ \"$1\" = --version ] && { echo \"" + name + " 0.0.0\"; exit 0; }\nexec sleep 600\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        return tool;
    }

    static boolean canCreateFileIn(Path d) {
        try {
            Files.delete(Files.createTempFile(d, "probe", ".tmp"));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** One daemon with stand-in uv and micromamba on its PATH and the doctor's: nothing to complain about. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithAHealthyDaemon {
        RuntHome healthy;
        StandIns tools;
        Map<String, String> env;
        DaemonProcess daemon;

        @BeforeAll
        void start(@TempDir Path d) throws IOException {
            healthy = RuntHome.in(d.resolve("h"));
            tools = new StandIns(d.resolve("tools"));
            tools.uv();
            tools.condaTool("micromamba");
            env = path(tools.bin());
            daemon = DaemonProcess.in(healthy).env("PATH", env.get("PATH")).start();
        }

        @AfterAll
        void stop() {
            daemon.close();
            healthy.close();
        }

        @Test
        void everyCheckPassesAndTheExitStatusIsZero() {
            Cli.Result r = report(healthy, env);
            assertThat(r.stdoutLines()).as("%s", r).allSatisfy(l -> assertThat(l).startsWith("[ok]   "));
            assertThat(r.exitCode()).isZero();
        }

        @Test
        void theLinesSayWhatWasFound() {
            Cli.Result r = report(healthy, env);
            DaemonInfo info = daemon.info().orElseThrow();
            assertThat(line(r, "runt dir")).isEqualTo("[ok]   runt dir: " + healthy.runtDir() + " is writable and private (0700)");
            assertThat(line(r, "socket")).isEqualTo("[ok]   socket: " + healthy.defaultSocket() + " answers ping (runtimed "
                    + RuntimedVersion.full() + ", pid " + daemon.pid() + ")");
            assertThat(line(r, "lock")).isEqualTo("[ok]   lock: " + healthy.lockFile()
                    + " is held by pid " + daemon.pid() + ", the daemon daemon.json names");
            assertThat(line(r, "blob server")).isEqualTo("[ok]   blob server: http://127.0.0.1:" + info.blobPort() + "/health answers OK");
            // pools of 0: the daemon looks for no tools, so the doctor looks as 'runtimed run' would
            String noTool = "; the daemon reports no tool for it (its pool size is 0, or it is still looking)";
            assertThat(line(r, "uv pool")).isEqualTo("[ok]   uv pool: 'runtimed run' from this shell would build with uv ("
                    + tools.bin().resolve("uv") + ")" + noTool);
            assertThat(line(r, "conda pool")).isEqualTo("[ok]   conda pool: 'runtimed run' from this shell would build with "
                    + "micromamba (" + tools.bin().resolve("micromamba") + ")" + noTool);
        }

        @Test
        void jsonListsEveryCheckWithItsStatusAndNoFix() throws Exception {
            Cli.Result r = doctor(healthy, env, "--json");
            assertThat(r.exitCode()).as("%s", r).isZero();
            JsonNode list = Json.MAPPER.readTree(r.stdout());
            assertThat(list.isArray()).isTrue();
            List<String> names = new ArrayList<>();
            list.forEach(n -> {
                names.add(n.path("check").asText());
                assertThat(n.path("status").asText()).as("%s", n).isEqualTo("ok");
                assertThat(n.path("message").asText()).as("%s", n).isNotBlank();
                assertThat(n.has("fix")).as("%s", n).isFalse();
            });
            assertThat(names).isEqualTo(CHECKS);
        }
    }

    @Nested
    class WithoutADaemon {
        @Test
        void neverStartedFailsSocketAndLockWithTheStartFixAndCreatesNothing() {
            Cli.Result r = report(home);
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(line(r, "socket")).isEqualTo("[FAIL] socket: no socket at " + home.defaultSocket() + " — fix: " + START);
            assertThat(line(r, "lock")).isEqualTo("[FAIL] lock: no daemon holds " + home.lockFile()
                    + " (the file does not exist) — fix: " + START);
            assertThat(line(r, "runt dir")).isEqualTo("[ok]   runt dir: " + home.runtDir()
                    + " does not exist yet; the daemon creates it at start (mode 0700)");
            assertThat(line(r, "daemon.json")).startsWith("[skip] daemon.json: no ");
            assertThat(line(r, "blob server")).startsWith("[skip] blob server: ");
            assertThat(home.runtDir()).as("the doctor only looks").doesNotExist();
        }

        @Test
        void afterACleanStopTheLockIsFreeAndTheSocketGone() {
            try (DaemonProcess d = DaemonProcess.start(home)) {
                assertThat(d.stop()).isZero();
            }
            Cli.Result r = report(home);
            assertThat(line(r, "lock")).isEqualTo("[FAIL] lock: no daemon holds " + home.lockFile() + " — fix: " + START);
            assertThat(line(r, "socket")).isEqualTo("[FAIL] socket: no socket at " + home.defaultSocket() + " — fix: " + START);
            assertThat(line(r, "daemon.json")).startsWith("[skip] daemon.json: ");
        }

        @Test
        void aLockFileThatCannotBeOpenedFails() throws IOException {
            Files.createDirectories(home.lockFile());
            Files.setPosixFilePermissions(home.runtDir(), PosixFilePermissions.fromString("rwx------"));
            Cli.Result r = report(home);
            assertThat(line(r, "lock")).startsWith("[FAIL] lock: cannot test " + home.lockFile() + ": ")
                    .endsWith("— fix: stop any daemon ('runtimed stop'), remove it: rm -r " + home.lockFile() + ", then " + START);
        }

        @Test
        void aLockHeldWithoutASocketIsADaemonStartingOrHung() throws IOException {
            Files.createDirectories(home.runtDir());
            Files.setPosixFilePermissions(home.runtDir(), PosixFilePermissions.fromString("rwx------"));
            // this JVM holds the lock as a daemon stuck before it listens would
            try (DaemonLock held = DaemonLock.tryAcquire(home.lockFile()).orElseThrow()) {
                Cli.Result r = report(home);
                assertThat(line(r, "socket")).isEqualTo("[FAIL] socket: no socket at " + home.defaultSocket()
                        + ", though a process holds " + home.lockFile() + " — fix: a daemon is starting or hung: run "
                        + "'runtimed doctor' again in a moment; if this stays, find the holder with 'fuser "
                        + home.lockFile() + "' and kill it");
                assertThat(line(r, "lock")).as("found in /proc/locks, without touching the lock")
                        .startsWith("[ok]   lock: " + home.lockFile() + " is held by pid " + ProcessHandle.current().pid() + " (");
            }
        }

        @Test
        void jsonCarriesTheFailuresAndTheirFixes() throws Exception {
            Cli.Result r = doctor(home, Map.of(), "--json");
            assertThat(r.exitCode()).as("%s", r).isEqualTo(1);
            JsonNode socket = Json.MAPPER.readTree(r.stdout()).get(2);
            assertThat(socket.path("check").asText()).isEqualTo("socket");
            assertThat(socket.path("status").asText()).isEqualTo("fail");
            assertThat(socket.path("fix").asText()).isEqualTo(START);
        }
    }

    @Nested
    class WithAStaleDaemonJson {
        @Test
        void namingAPidThatIsGoneFailsWithRemoveAndStart() throws Exception {
            Process gone = new ProcessBuilder("true").start();
            assertThat(gone.waitFor()).isZero();
            writeDaemonJson(home, gone.pid(), RuntimedVersion.full(), 41234);
            Cli.Result r = report(home);
            assertThat(line(r, "daemon.json")).isEqualTo("[FAIL] daemon.json: " + home.infoFile() + " is stale: pid "
                    + gone.pid() + " is not running (the daemon was killed) — fix: remove it: rm " + home.infoFile()
                    + ", then " + START);
            assertThat(line(r, "socket")).as("nothing to kill").endsWith("— fix: " + START);
            assertThat(line(r, "blob server")).isEqualTo("[skip] blob server: daemon.json names no running daemon");
        }

        @Test
        void namingAPidNowUsedByAnotherProgramFailsToo() throws Exception {
            Process other = new ProcessBuilder("cat").start();
            try {
                writeDaemonJson(home, other.pid(), RuntimedVersion.full(), 41234);
                Cli.Result r = report(home);
                assertThat(line(r, "daemon.json")).startsWith("[FAIL] daemon.json: " + home.infoFile() + " is stale: pid "
                        + other.pid() + " is now ").contains("cat, not a runtimed daemon — fix: remove it: rm ");
                assertThat(line(r, "socket")).as("cat is not ours to kill").endsWith("— fix: " + START);
            } finally {
                other.destroyForcibly().waitFor();
            }
        }

        @Test
        void thatDoesNotParseFails() throws Exception {
            Files.createDirectories(home.runtDir());
            Files.writeString(home.infoFile(), "{\"endpoint\": ");
            Cli.Result r = report(home);
            assertThat(line(r, "daemon.json")).isEqualTo("[FAIL] daemon.json: " + home.infoFile()
                    + " does not parse as daemon info — fix: remove it: rm " + home.infoFile()
                    + " (the next start writes a new one)");
            assertThat(line(r, "blob server")).startsWith("[skip] blob server: ");
        }
    }

    @Nested
    class WithADaemonThatDoesNotAnswer {
        @Test
        void aStoppedProcessIsReportedHungWithKillAsTheFix() {
            try (DaemonProcess d = DaemonProcess.start(home)) {
                d.signal("STOP");
                Cli.Result r;
                try {
                    r = report(home);
                } finally {
                    d.signal("CONT");
                }
                assertThat(line(r, "socket")).startsWith("[FAIL] socket: " + home.defaultSocket() + " does not answer ping: ")
                        .endsWith(", though the daemon (pid " + d.pid() + ") is alive — fix: the daemon is hung: kill "
                                + d.pid() + " (kill -9 " + d.pid() + " if it stays), then 'runtimed start' (service) or 'runtimed run'");
                assertThat(line(r, "lock")).startsWith("[ok]   lock: ");
                int port = d.info().orElseThrow().blobPort();
                assertThat(line(r, "blob server")).isEqualTo("[FAIL] blob server: http://127.0.0.1:" + port
                        + "/health does not answer within 3 s — fix: " + RESTART);
            }
        }

        @Test
        void aDaemonOnAnotherSocketFailsBecauseClientsLookAtTheDefault() {
            Path elsewhere = home.root().resolve("elsewhere.sock");
            try (DaemonProcess d = DaemonProcess.in(home).socket(elsewhere).start()) {
                Cli.Result r = report(home);
                assertThat(line(r, "socket")).isEqualTo("[FAIL] socket: no socket at " + home.defaultSocket()
                        + "; the daemon (pid " + d.pid() + ") listens on " + elsewhere + " instead, where clients do not look"
                        + " — fix: stop it (kill " + d.pid() + ") and start it without --socket: 'runtimed start' (service) or 'runtimed run'");
                assertThat(line(r, "lock")).startsWith("[ok]   lock: ");
            }
        }

        @Test
        void aLockFileRemovedUnderARunningDaemonFails() throws Exception {
            try (DaemonProcess d = DaemonProcess.start(home)) {
                Files.delete(home.lockFile());
                Cli.Result r = report(home);
                assertThat(line(r, "lock")).isEqualTo("[FAIL] lock: a daemon answers, but no process holds " + home.lockFile()
                        + " (the file does not exist): a second daemon could start beside it — fix: " + RESTART);
                assertThat(line(r, "socket")).startsWith("[ok]   socket: ");
            }
        }
    }

    /** One daemon whose daemon.json each test rewrites, as an older or broken daemon would have left it. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithADaemonJsonThatDisagreesWithTheDaemon {
        RuntHome rewritten;
        Map<String, String> env;
        DaemonProcess daemon;
        String original;

        @BeforeAll
        void start(@TempDir Path d) throws IOException {
            rewritten = RuntHome.in(d.resolve("h"));
            StandIns tools = new StandIns(d.resolve("tools"));
            tools.uv();
            tools.condaTool("micromamba");
            env = path(tools.bin());
            daemon = DaemonProcess.in(rewritten).env("PATH", env.get("PATH")).start();
            original = rewritten.infoFileText().orElseThrow();
        }

        @AfterEach
        void restore() throws IOException {
            Files.writeString(rewritten.infoFile(), original);
        }

        @AfterAll
        void stop() {
            daemon.close();
            rewritten.close();
        }

        @Test
        void aBlobPortNobodyListensOnFails() throws IOException {
            int port = closedPort();
            writeDaemonJson(rewritten, daemon.pid(), RuntimedVersion.full(), port);
            Cli.Result r = report(rewritten, env);
            assertThat(line(r, "blob server")).isEqualTo("[FAIL] blob server: http://127.0.0.1:" + port
                    + "/health refuses the connection: nothing listens on port " + port + " — fix: " + RESTART);
            assertThat(r.exitCode()).isEqualTo(1);
        }

        @Test
        void noBlobPortWhileTheDaemonRunsFails() throws IOException {
            writeDaemonJson(rewritten, daemon.pid(), RuntimedVersion.full(), null);
            Cli.Result r = report(rewritten, env);
            assertThat(line(r, "blob server")).startsWith("[FAIL] blob server: the daemon (pid " + daemon.pid()
                    + ") runs without a blob server (daemon.json has no blob_port) — fix: see why in the daemon's log")
                    .endsWith(RESTART);
        }

        /** A live process that looks like a daemon (its command line names runtimed) but is not the lock's holder. */
        @Test
        void aDaemonJsonNamingAnotherLiveDaemonThanTheLockHolderFails() throws Exception {
            Path script = rewritten.root().resolve("runtimed-imposter");
            Files.writeString(script, "#!/bin/sh\nwhile :; do sleep 1; done\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            Process imposter = new ProcessBuilder(script.toString()).start();
            try {
                writeDaemonJson(rewritten, imposter.pid(), RuntimedVersion.full(), daemon.info().orElseThrow().blobPort());
                Cli.Result r = report(rewritten, env);
                assertThat(line(r, "lock")).startsWith("[FAIL] lock: " + rewritten.lockFile() + " is held by pid "
                                + daemon.pid() + " (")
                        .contains("), but daemon.json names pid " + imposter.pid() + ": two daemons, or one that lost its files")
                        .endsWith("— fix: stop both (kill " + daemon.pid() + " " + imposter.pid() + "), then " + START);
            } finally {
                imposter.destroyForcibly().waitFor();
            }
        }

        @Test
        void aBlobPortAnsweredBySomethingElseFails() throws IOException {
            HttpServer other = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            other.createContext("/", exchange -> {
                byte[] body = "nope".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(404, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            other.start();
            try {
                int port = other.getAddress().getPort();
                writeDaemonJson(rewritten, daemon.pid(), RuntimedVersion.full(), port);
                Cli.Result r = report(rewritten, env);
                assertThat(line(r, "blob server")).isEqualTo("[FAIL] blob server: http://127.0.0.1:" + port
                        + "/health answers 404 \"nope\", not 200 \"OK\" — fix: " + RESTART);
            } finally {
                other.stop(0);
            }
        }

        @Test
        void aMissingDaemonJsonWhileTheDaemonAnswersFails() throws IOException {
            Files.delete(rewritten.infoFile());
            Cli.Result r = report(rewritten, env);
            assertThat(line(r, "daemon.json")).isEqualTo("[FAIL] daemon.json: " + rewritten.infoFile()
                    + " is missing though the daemon answers, so clients cannot find its blob port — fix: " + RESTART
                    + " (it writes the file at start)");
            assertThat(line(r, "socket")).isEqualTo("[ok]   socket: " + rewritten.defaultSocket() + " answers ping (no daemon.json)");
            assertThat(line(r, "blob server")).startsWith("[skip] blob server: ");
        }

        @Test
        void anUnparseableDaemonJsonWhileTheDaemonAnswersAsksForARestart() throws IOException {
            Files.writeString(rewritten.infoFile(), "{}");
            Cli.Result r = report(rewritten, env);
            assertThat(line(r, "daemon.json")).isEqualTo("[FAIL] daemon.json: " + rewritten.infoFile()
                    + " does not parse as daemon info — fix: " + RESTART + " (it rewrites the file)");
        }

        @Test
        void anotherVersionIsAWarningAndDoesNotFail() throws IOException {
            writeDaemonJson(rewritten, daemon.pid(), "0.0.1+0000000", daemon.info().orElseThrow().blobPort());
            Cli.Result r = report(rewritten, env);
            assertThat(line(r, "daemon.json")).isEqualTo("[WARN] daemon.json: pid " + daemon.pid()
                    + " runs runtimed 0.0.1+0000000, but this runtimed is " + RuntimedVersion.full()
                    + " — fix: " + RESTART + " to run this version");
            assertThat(r.exitCode()).as("warnings do not fail\n%s", r).isZero();
        }
    }

    @Nested
    class Directories {
        @Test
        void aRuntDirOthersCanEnterFailsWithChmod700() throws IOException {
            Files.createDirectories(home.runtDir());
            Files.setPosixFilePermissions(home.runtDir(), PosixFilePermissions.fromString("rwxr-xr-x"));
            Cli.Result r = report(home);
            assertThat(line(r, "runt dir")).isEqualTo("[FAIL] runt dir: " + home.runtDir() + ": its mode is 0755, not 0700 "
                    + "(other users could reach the daemon's socket and files) — fix: chmod 700 " + home.runtDir());
        }

        @Test
        void aSettingsDirNoFileCanBeCreatedInFails() throws IOException {
            Path settings = home.config().resolve("runt-notebook");
            Files.createDirectories(settings);
            Files.setPosixFilePermissions(settings, PosixFilePermissions.fromString("r-x------"));
            try {
                if (canCreateFileIn(settings)) {
                    // root ignores permission bits. A sysfs directory refuses new files even to root,
                    // while access(2), and so Files.isWritable, still calls it writable.
                    Files.setPosixFilePermissions(settings, PosixFilePermissions.fromString("rwx------"));
                    Files.delete(settings);
                    Files.createSymbolicLink(settings, Path.of("/sys/kernel"));
                }
                assertThat(canCreateFileIn(settings)).as("precondition: no file can be created in %s", settings).isFalse();
                Cli.Result r = report(home);
                assertThat(line(r, "settings dir")).startsWith("[FAIL] settings dir: " + settings
                        + ": no file can be created in it (").endsWith(") — fix: chmod u+rwx " + settings);
                assertThat(r.exitCode()).isEqualTo(1);
            } finally {
                if (Files.isSymbolicLink(settings)) {
                    Files.delete(settings);
                } else {
                    Files.setPosixFilePermissions(settings, PosixFilePermissions.fromString("rwx------"));
                }
            }
        }

        @Test
        void aSettingsDirThatIsAFileFails() throws IOException {
            Path settings = home.config().resolve("runt-notebook");
            Files.writeString(settings, "");
            Cli.Result r = report(home);
            assertThat(line(r, "settings dir")).isEqualTo("[FAIL] settings dir: " + settings + " is not a directory"
                    + " — fix: move it away: mv " + settings + " " + settings + ".bak (the daemon creates the directory)");
        }

        @Test
        void aRuntDirWhoseParentRefusesNewFilesFails() {
            // sysfs refuses new files to everyone, root included
            Path sys = Path.of("/sys/kernel");
            assertThat(canCreateFileIn(sys)).as("precondition: no file can be created in %s", sys).isFalse();
            Path cache = sys.resolve("runtimed-doctor-test");
            Path runt = cache.resolve("runt");
            Cli.Result r = report(home, Map.of("XDG_CACHE_HOME", cache.toString()));
            assertThat(line(r, "runt dir")).startsWith("[FAIL] runt dir: " + runt + " does not exist and cannot be created in "
                    + sys + " (").endsWith(") — fix: chmod u+rwx " + sys + ", or mkdir -p " + runt + " as its owner");
        }

        @Test
        void aRuntDirThatCannotBeCreatedFails() throws IOException {
            // <cache> itself is a regular file: <cache>/runt can never be made
            Files.delete(home.cache());
            Files.writeString(home.cache(), "");
            Cli.Result r = report(home);
            assertThat(line(r, "runt dir")).isEqualTo("[FAIL] runt dir: " + home.runtDir() + " cannot be created: "
                    + home.cache() + " is not a directory — fix: move it away: mv " + home.cache() + " " + home.cache() + ".bak");
        }
    }

    @Nested
    class Tools {
        @Test
        void withoutUvPython3OrCondaTheUvPoolFailsAndTheCondaPoolWarns() throws IOException {
            Path empty = Files.createDirectories(dir.resolve("empty-bin"));
            Map<String, String> env = Map.of("PATH", empty.toString());
            // the detector also looks in fixed places (/usr/local/bin, /opt/conda/bin): they must be empty here
            BackendDetector detector = new BackendDetector(env, home.home(), new ProcessRunner(Map.of()));
            for (String tool : List.of("uv", "python3", "python", "micromamba", "mamba", "conda")) {
                assertThat(detector.find(tool)).as("precondition: no %s outside PATH on this machine", tool).isEmpty();
            }
            Cli.Result r = report(home, env);
            assertThat(line(r, "uv pool")).startsWith("[FAIL] uv pool: 'runtimed run' from this shell would find no tool: "
                    + "neither uv nor python3 was found").endsWith("— fix: install uv (https://docs.astral.sh/uv/) or python3 "
                    + "where the daemon looks (its PATH, ~/.local/bin, ~/.cargo/bin, /usr/local/bin)");
            assertThat(line(r, "conda pool")).startsWith("[WARN] conda pool: 'runtimed run' from this shell would find no tool: "
                    + "no micromamba, mamba or conda was found").contains("— fix: optional: install micromamba (https://");
        }

        @Test
        void aRunningDaemonWithoutToolsFailsWhateverThisShellFinds() throws IOException {
            StandIns tools = new StandIns(dir.resolve("tools"));
            tools.uv();
            tools.condaTool("micromamba");
            // pools of 1 without building: the test kit points the daemon at a uv and a conda that do not exist
            try (DaemonProcess d = DaemonProcess.in(home).uvPoolSize(1).condaPoolSize(1).start()) {
                await().atMost(RuntHome.PROMPTLY).pollInterval(Duration.ofMillis(50)).until(() -> {
                    PoolStats s = d.client().status();
                    return s.uvBackend() != null && s.condaBackend() != null;
                });
                Cli.Result r = report(home, path(tools.bin()));
                assertThat(line(r, "uv pool")).startsWith("[FAIL] uv pool: the running daemon cannot build uv environments: ")
                        .contains("no-such-uv").endsWith(", then " + RESTART);
                assertThat(line(r, "conda pool")).startsWith("[WARN] conda pool: the running daemon cannot build conda environments: ")
                        .contains("no-such-conda").endsWith(", then " + RESTART);
            }
        }

        @Test
        void aDaemonWithItsToolsSaysWhatItBuildsWith() throws IOException {
            // tools whose builds never end within the test: the daemon reports them, and no build error
            Path bin = Files.createDirectories(dir.resolve("slow-bin"));
            Path uv = slowTool(bin, "uv");
            Path micromamba = slowTool(bin, "micromamba");
            try (DaemonProcess d = DaemonProcess.in(home).uvPoolSize(1).condaPoolSize(1).buildEnvironments()
                    .env("PATH", path(bin).get("PATH")).start()) {
                await().atMost(RuntHome.PROMPTLY).pollInterval(Duration.ofMillis(50)).until(() -> {
                    PoolStats s = d.client().status();
                    return s.uvBackend() != null && s.condaBackend() != null;
                });
                Cli.Result r = report(home, path(bin));
                assertThat(line(r, "uv pool")).isEqualTo("[ok]   uv pool: the daemon builds with uv (" + uv + ")");
                assertThat(line(r, "conda pool")).isEqualTo("[ok]   conda pool: the daemon builds with micromamba ("
                        + micromamba + ")");
            }
        }

        @Test
        void aFailingBuildIsAWarningWithTheDaemonsError() throws IOException {
            StandIns tools = new StandIns(dir.resolve("tools"));
            Path uv = tools.failingUv();
            try (DaemonProcess d = DaemonProcess.in(home).uvPoolSize(1).buildEnvironments()
                    .env("PATH", path(tools.bin()).get("PATH")).start()) {
                await().atMost(RuntHome.PROMPTLY).pollInterval(Duration.ofMillis(50))
                        .until(() -> d.client().status().uvError() != null);
                Cli.Result r = report(home, path(tools.bin()));
                assertThat(line(r, "uv pool")).startsWith("[WARN] uv pool: the daemon builds with uv (" + uv
                        + "), but its last build failed (").contains("uv venv failed")
                        .endsWith("— fix: remove the cause, then 'runtimed flush-pool' to rebuild (details: 'runt pool status')");
            }
        }
    }
}
