package io.runtimed.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.RuntimedVersion;
import io.runtimed.testkit.Cli;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RawSocket;
import io.runtimed.testkit.RuntHome;
import io.runtimed.testkit.SystemPackages;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** DAEMON.md §2–§8 and issue 2 items 4–6, 10: files, permissions, the singleton, shutdown, stale state, logs. */
class LifecycleIT {
    static final Duration ANSWER = Duration.ofSeconds(5);
    static final String POOL = "{\"channel\":\"pool\"}";

    @TempDir
    Path dir;
    RuntHome home;

    @BeforeEach
    void newHome() {
        home = RuntHome.in(dir);
    }

    @AfterEach
    void noProcessOutlivesTheTest() {
        home.close();
    }

    /** util-linux flock(1), which takes the same BSD lock the reference daemon takes. */
    static int flockNonBlocking(Path lockFile) throws Exception {
        Process p = new ProcessBuilder(SystemPackages.requireFlock().toString(), "-n", lockFile.toString(), "-c", "true")
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("flock finished").isTrue();
        return p.exitValue();
    }

    static void assertCleanedUpAfterExit(RuntHome home, Path socket) {
        assertThat(socket).as("socket file after a clean exit").doesNotExist();
        assertThat(home.infoFile()).as("daemon.json after a clean exit").doesNotExist();
        assertThat(home.lockFile()).as("daemon.lock is never deleted").exists();
    }

    @Nested
    class FilesAndPermissions {
        @Test
        void theSocketIsOwnerOnlyAndTheRuntDirIsPrivate() throws Exception {
            try (DaemonProcess d = DaemonProcess.start(home)) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d.socket())))
                        .as("socket mode").isEqualTo("rw-------");
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.runtDir())))
                        .as("<cache>/runt mode").isEqualTo("rwx------");
            }
        }

        @Test
        void daemonJsonHasExactlyTheSpecFieldsPrettyPrintedWithoutTrailingNewline() {
            try (DaemonProcess d = DaemonProcess.start(home)) {
                String text = home.infoFileText().orElseThrow();
                Pattern shape = Pattern.compile("\\{\n"
                        + "  \"endpoint\": \"" + Pattern.quote(d.socket().toString()) + "\",\n"
                        + "  \"pid\": " + d.pid() + ",\n"
                        + "  \"version\": \"" + Pattern.quote(RuntimedVersion.full()) + "\",\n"
                        + "  \"started_at\": \"(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2})(\\.\\d+)?Z\",\n"
                        + "  \"blob_port\": (\\d{1,5})\n"
                        + "\\}");
                Matcher m = shape.matcher(text);
                assertThat(m.matches()).as("daemon.json is exactly:\n%s", text).isTrue();
                String fraction = Optional.ofNullable(m.group(2)).map(f -> f.substring(1)).orElse("");
                assertThat(fraction.length()).as("fraction digits of started_at").isIn(0, 3, 6, 9);
                if (fraction.length() > 0) {
                    assertThat(fraction).as("the shortest exact fraction").doesNotEndWith("000");
                }
                Instant started = Instant.parse(m.group(1) + (fraction.isEmpty() ? "" : "." + fraction) + "Z");
                assertThat(started).isBetween(Instant.now().minusSeconds(120), Instant.now());
                assertThat(Integer.parseInt(m.group(3))).as("blob_port").isBetween(1, 65535);
            }
        }

        @Test
        void xdgCacheHomeMovesEverything() {
            try (DaemonProcess d = DaemonProcess.start(home)) {
                assertThat(home.runtDir().resolve("daemon.lock")).isRegularFile();
                assertThat(home.runtDir().resolve("daemon.json")).isRegularFile();
                assertThat(home.runtDir().resolve("runtimed.sock")).exists();
                assertThat(d.socket()).isEqualTo(home.runtDir().resolve("runtimed.sock"));
                assertThat(home.runtDir().resolve("runtimed.log")).isRegularFile();
                assertThat(home.home().resolve(".cache")).as("nothing under $HOME/.cache").doesNotExist();
            }
        }

        @Test
        void socketOptionMovesOnlyTheEndpoint() throws Exception {
            Path elsewhere = home.root().resolve("sockdir").resolve("other.sock");
            try (DaemonProcess d = DaemonProcess.in(home).socket(elsewhere).start()) {
                assertThat(elsewhere).exists();
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(elsewhere))).isEqualTo("rw-------");
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(elsewhere.getParent())))
                        .as("a socket directory the daemon creates is private").isEqualTo("rwx------");
                assertThat(home.defaultSocket()).as("no socket at the default place").doesNotExist();
                assertThat(home.lockFile()).as("the lock stays in <cache>/runt").exists();
                assertThat(d.info()).as("daemon.json stays in <cache>/runt").isPresent();
                assertThat(d.info().orElseThrow().endpoint()).isEqualTo(elsewhere.toString());
                assertThat(d.stop()).isZero();
                assertThat(elsewhere).doesNotExist();
                assertThat(home.infoFile()).doesNotExist();
            }
        }

        @Test
        void runtimedWithoutASubcommandRunsTheDaemon() {
            try (DaemonProcess d = DaemonProcess.in(home).withoutRunSubcommand().start()) {
                assertThat(d.info().orElseThrow().pid()).isEqualTo(d.pid());
                assertThat(d.stop()).isZero();
            }
        }

        @Test
        void aStaleObsoleteSyncSocketIsRemovedAtStart() throws Exception {
            Files.createDirectories(home.runtDir());
            Path obsolete = home.runtDir().resolve("runtimed-sync.sock");
            Files.writeString(obsolete, "");
            try (DaemonProcess d = DaemonProcess.start(home)) {
                assertThat(d.answersPing()).isTrue();
                assertThat(obsolete).doesNotExist();
            }
        }
    }

    @Nested
    class TheSingleton {
        @Test
        void aSecondDaemonOnTheSameCacheDirIsRefusedAndNamesTheRunningOne() throws Exception {
            try (DaemonProcess first = DaemonProcess.start(home)) {
                String infoBefore = home.infoFileText().orElseThrow();

                Cli.Result second = Cli.runtimed(home, "run", "--uv-pool-size", "0", "--conda-pool-size", "0");

                assertThat(second.exitCode()).as("%s", second).isEqualTo(1);
                assertThat(second.stderrLines()).as("%s", second).containsExactly(
                        "Error: Another daemon is already running: DaemonInfo { endpoint: \"" + first.socket() + "\", pid: "
                                + first.pid() + ", version: \"" + RuntimedVersion.full() + "\", started_at: "
                                + first.info().orElseThrow().startedAtText() + ", blob_port: Some("
                                + first.info().orElseThrow().blobPort() + ") }",
                        "Running daemon: pid=" + first.pid() + ", endpoint=" + first.socket());
                assertThat(first.isAlive()).isTrue();
                assertThat(first.answersPing()).as("the first daemon keeps serving").isTrue();
                assertThat(home.infoFileText()).as("daemon.json untouched").contains(infoBefore);
            }
        }

        @Test
        void aSecondDaemonWithAnotherSocketIsRefusedToo() {
            Path other = home.root().resolve("other.sock");
            try (DaemonProcess first = DaemonProcess.start(home)) {
                Cli.Result second = Cli.runtimed(home, "run", "--uv-pool-size", "0", "--conda-pool-size", "0",
                        "--socket", other.toString());
                assertThat(second.exitCode()).as("%s", second).isEqualTo(1);
                assertThat(second.stderr()).contains("Running daemon: pid=" + first.pid());
                assertThat(other).as("the refused daemon never listened").doesNotExist();
                assertThat(first.answersPing()).isTrue();
            }
        }

        @Test
        void aSecondDaemonNamesAPlaceholderWhenDaemonJsonIsUnreadable() throws Exception {
            try (DaemonProcess first = DaemonProcess.start(home)) {
                Files.writeString(home.infoFile(), "{ not json");
                Cli.Result second = Cli.runtimed(home, "run", "--uv-pool-size", "0", "--conda-pool-size", "0");
                assertThat(second.exitCode()).as("%s", second).isEqualTo(1);
                assertThat(second.stderrLines()).as("%s", second).hasSize(2);
                assertThat(second.stderrLines().get(0)).startsWith(
                        "Error: Another daemon is already running: DaemonInfo { endpoint: \"unknown\", pid: 0, version: \"unknown\", started_at: ");
                assertThat(second.stderrLines().get(1)).isEqualTo("Running daemon: pid=0, endpoint=unknown");
                assertThat(first.answersPing()).isTrue();
            }
        }

        @Test
        void theLockIsABsdFlockHeldWhileTheDaemonRuns() throws Exception {
            SystemPackages.requireFlock();
            try (DaemonProcess d = DaemonProcess.start(home)) {
                assertThat(flockNonBlocking(home.lockFile())).as("flock -n on a running daemon's lock").isEqualTo(1);
                assertThat(d.stop()).isZero();
            }
            assertThat(flockNonBlocking(home.lockFile())).as("flock -n after the daemon exited").isZero();
        }

        @Test
        void afterKill9TheNextStartRecoversTheStaleSocketAndInfoFileByItself() throws Exception {
            SystemPackages.requireFlock();
            long oldPid;
            try (DaemonProcess first = DaemonProcess.start(home)) {
                oldPid = first.pid();
                first.kill9();
            }
            assertThat(home.defaultSocket()).as("stale socket left by kill -9").exists();
            assertThat(home.infoFileText()).as("stale daemon.json left by kill -9").hasValueSatisfying(
                    t -> assertThat(t).contains("\"pid\": " + oldPid + ","));
            assertThat(flockNonBlocking(home.lockFile())).as("the OS released the lock").isZero();

            try (DaemonProcess second = DaemonProcess.start(home)) {
                assertThat(second.pid()).isNotEqualTo(oldPid);
                assertThat(second.info().orElseThrow().pid()).isEqualTo(second.pid());
                assertThat(second.answersPing()).isTrue();
            }
        }
    }

    @Nested
    class Shutdown {
        @Test
        void aShutdownRequestIsAnsweredThenEverythingButTheLockIsRemoved() {
            try (DaemonProcess d = DaemonProcess.start(home); RawSocket s = RawSocket.open(d.socket(), POOL)) {
                s.sendFrame("{\"type\":\"shutdown\"}");
                assertThat(s.readJson(ANSWER)).isEqualTo("{\"type\":\"shutting_down\"}");
                assertThat(d.awaitExit(RuntHome.PROMPTLY)).as("exit status").isZero();
                assertCleanedUpAfterExit(home, d.socket());
            }
            try (DaemonProcess next = DaemonProcess.start(home)) {
                assertThat(next.answersPing()).as("a new daemon starts after a shutdown").isTrue();
            }
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"SIGTERM", "SIGINT"})
        void aSignalShutsDownCleanly(String signal) throws Exception {
            try (DaemonProcess d = DaemonProcess.start(home)) {
                int status;
                if (signal.equals("SIGTERM")) {
                    status = d.terminate();
                } else {
                    assertSignalNotIgnored(d.pid(), 2);
                    d.signal("INT");
                    status = d.awaitExit(RuntHome.PROMPTLY);
                }
                assertThat(status).as("exit status after %s\nstderr:\n%s", signal, d.stderr()).isZero();
                assertCleanedUpAfterExit(home, d.socket());
                assertThat(d.logLines()).anyMatch(l -> l.contains("shutting down (" + signal + ")"));
            }
        }

        @Test
        void aSigtermTheMomentTheSocketAppearsStillShutsDownCleanly() throws Exception {
            // Once the socket exists a client may already be talking to the daemon, and daemon.json follows
            // within milliseconds: from then on SIGTERM must get the clean shutdown of DAEMON.md §6 (socket and
            // daemon.json removed, exit 0), not the JVM's default exit 143 that leaves both behind.
            Files.createDirectories(home.runtDir());
            try (WatchService watch = FileSystems.getDefault().newWatchService()) {
                home.runtDir().register(watch, StandardWatchEventKinds.ENTRY_CREATE);
                try (DaemonProcess d = DaemonProcess.in(home).launch()) {
                    awaitCreated(watch, home.defaultSocket().getFileName());
                    d.process().destroy();
                    int status = d.awaitExit(RuntHome.PROMPTLY);
                    assertThat(status).as("exit status of a SIGTERM right after the socket was bound\nstderr:\n%s",
                            d.stderr()).isZero();
                    assertCleanedUpAfterExit(home, d.socket());
                }
            }
        }

        void awaitCreated(WatchService watch, Path name) throws InterruptedException {
            long deadline = System.nanoTime() + RuntHome.PROMPTLY.toNanos();
            while (System.nanoTime() < deadline) {
                WatchKey key = watch.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (key == null) {
                    break;
                }
                boolean created = key.pollEvents().stream().anyMatch(e -> name.equals(e.context()));
                key.reset();
                if (created) {
                    return;
                }
            }
            throw new AssertionError(name + " was not created within " + RuntHome.PROMPTLY.toSeconds() + " s");
        }

        /** A JVM cannot catch a signal its parent left ignored; say so rather than time out mysteriously. */
        void assertSignalNotIgnored(long pid, int signal) throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("SigIgn:")) {
                    long mask = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    assertThat(mask & (1L << (signal - 1)))
                            .as("signal %d is ignored in the daemon (inherited from the test runner: run mvn in the foreground)", signal)
                            .isZero();
                }
            }
        }

        @Test
        void aRequestInFlightWhenShutdownArrivesStillGetsItsAnswer() throws Exception {
            // flush is the one slow request: it deletes environments. Make them big enough that the shutdown
            // request certainly arrives while the flush runs.
            List<Path> envs = List.of(home.placeEnv(EnvType.UV, 3000), home.placeEnv(EnvType.UV, 3000),
                    home.placeEnv(EnvType.UV, 3000));
            try (DaemonProcess d = DaemonProcess.in(home).uvPoolSize(3).start();
                 RawSocket flusher = RawSocket.open(d.socket(), POOL);
                 RawSocket stopper = RawSocket.open(d.socket(), POOL);
                 RawSocket idle = RawSocket.open(d.socket(), POOL);
                 WatchService watch = FileSystems.getDefault().newWatchService()) {
                // everything is connected and past the handshake before the race starts
                idle.sendFrame("{\"type\":\"ping\"}");
                assertThat(idle.readJson(ANSWER)).isEqualTo("{\"type\":\"pong\"}");
                for (Path env : envs) {
                    env.resolve("lib").register(watch, StandardWatchEventKinds.ENTRY_DELETE);
                }

                flusher.sendFrame("{\"type\":\"flush_pool\"}");
                WatchKey firstDeletion = awaitKey(watch);
                assertThat(firstDeletion).as("the flush began deleting files").isNotNull();
                stopper.sendFrame("{\"type\":\"shutdown\"}");

                assertThat(stopper.readJson(ANSWER)).isEqualTo("{\"type\":\"shutting_down\"}");
                assertThat(flusher.readJson(Duration.ofSeconds(30))).as("the request in flight is answered")
                        .isEqualTo("{\"type\":\"flushed\"}");
                assertThat(idle.awaitClose(ANSWER)).as("an idle connection is closed at shutdown, not left hanging")
                        .isEqualTo(RawSocket.Closed.EOF);
                assertThat(d.awaitExit(RuntHome.PROMPTLY)).isZero();

                assertThat(envs).as("the flush ran to its end").allMatch(p -> !Files.exists(p));
                List<String> log = d.logLines();
                int shutdownAt = indexOf(log, "shutdown requested by a client");
                int flushedAt = indexOf(log, "flushed 3 environment(s)");
                assertThat(shutdownAt).as("the shutdown arrived while the flush ran (else enlarge the envs)\n%s",
                        String.join("\n", log)).isLessThan(flushedAt);
                assertCleanedUpAfterExit(home, d.socket());
            }
        }

        WatchKey awaitKey(WatchService watch) throws InterruptedException {
            try {
                return watch.poll(10, TimeUnit.SECONDS);
            } catch (ClosedWatchServiceException e) {
                return null;
            }
        }

        int indexOf(List<String> lines, String text) {
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(text)) {
                    return i;
                }
            }
            throw new AssertionError("no log line with '" + text + "' in\n" + String.join("\n", lines));
        }

        @Test
        void aStalledClientDoesNotDelayShutdown() {
            try (DaemonProcess d = DaemonProcess.start(home);
                 RawSocket stalled = RawSocket.open(d.socket(), POOL);
                 RawSocket silent = RawSocket.connect(d.socket())) {
                stalled.send(java.util.Arrays.copyOf(RawSocket.frame("{\"type\":\"ping\"}"), 4 + 5));
                long start = System.nanoTime();
                assertThat(d.stop()).isZero();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("shutdown with a half request pending")
                        .isLessThan(ANSWER);
                assertThat(stalled.awaitClose(ANSWER)).isIn(RawSocket.Closed.EOF, RawSocket.Closed.RESET);
                assertThat(silent.awaitClose(ANSWER)).isIn(RawSocket.Closed.EOF, RawSocket.Closed.RESET);
                assertCleanedUpAfterExit(home, d.socket());
            }
        }

        @Test
        void afterShutdownTheSocketNoLongerAcceptsConnections() {
            try (DaemonProcess d = DaemonProcess.start(home)) {
                assertThat(d.stop()).isZero();
                assertThat(d.answersPing()).isFalse();
            }
        }
    }

    @Nested
    class Logging {
        static final Pattern DEBUG_LINE = Pattern.compile("^\\S+ DEBUG .*", Pattern.MULTILINE);

        @Test
        void infoIsTheDefaultAndWritesNoDebugLines() {
            try (DaemonProcess d = DaemonProcess.start(home)) {
                assertThat(d.answersPing()).isTrue();
                assertThat(d.logLines()).anyMatch(l -> l.contains(" INFO ") && l.contains("ready (pid " + d.pid() + ")"));
                assertThat(d.logLines()).noneMatch(l -> DEBUG_LINE.matcher(l).matches());
                assertThat(d.stderr()).contains("ready (pid " + d.pid() + ")");
                assertThat(DEBUG_LINE.matcher(d.stderr()).find()).isFalse();
            }
        }

        /**
         * slf4j binds logback through DaemonLogProvider, named by a property: slf4j reports such a
         * provider on stderr unless told not to, which a person starting the daemon would read.
         */
        @Test
        void everyLineOnStderrIsALogLine() {
            Pattern logLine = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\S+Z (TRACE|DEBUG|INFO |WARN |ERROR) \\[.*");
            try (DaemonProcess d = DaemonProcess.start(home)) {
                assertThat(d.answersPing()).isTrue();
                assertThat(d.stderr()).contains("ready (pid " + d.pid() + ")");
                assertThat(d.stderr().lines()).as("stderr:%n%s", d.stderr()).allMatch(l -> logLine.matcher(l).matches());
            }
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"--log-level debug", "RUNTIMED_LOG=debug", "RUST_LOG=debug"})
        void debugLevelWritesDebugLinesToTheLogFileAndStderr(String how) {
            DaemonProcess.Builder b = DaemonProcess.in(home);
            if (how.startsWith("--")) {
                b.logLevel("debug");
            } else {
                String[] kv = how.split("=");
                b.env(kv[0], kv[1]);
            }
            try (DaemonProcess d = b.start()) {
                assertThat(d.answersPing()).isTrue();
                List<String> debug = new ArrayList<>();
                for (String l : d.logLines()) {
                    if (DEBUG_LINE.matcher(l).matches()) {
                        debug.add(l);
                    }
                }
                assertThat(debug).as("debug lines in %s", home.logFile()).isNotEmpty();
                assertThat(DEBUG_LINE.matcher(d.stderr()).find()).as("debug lines on stderr:\n%s", d.stderr()).isTrue();
                // the start's fast path (issue 16): slf4j never searched the class path
                assertThat(debug).anyMatch(l -> l.contains("slf4j bound to logback directly (DaemonLogProvider)"));
            }
        }

        /** launchd points stderr at runtimed.log; the daemon must not then write each line twice. */
        @Test
        void whenStderrIsTheLogFileEachLineIsWrittenOnce() throws IOException {
            Files.createDirectories(home.runtDir(), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            try (DaemonProcess d = DaemonProcess.in(home).stderrToLogFile().start()) {
                String ready = "ready (pid " + d.pid() + ")";
                assertThat(d.logLines()).filteredOn(l -> l.contains(ready)).hasSize(1);
            }
        }

        @Test
        void theLogFileAndStderrEachGetEveryLineOtherwise() {
            try (DaemonProcess d = DaemonProcess.start(home)) {
                String ready = "ready (pid " + d.pid() + ")";
                assertThat(d.logLines()).filteredOn(l -> l.contains(ready)).hasSize(1);
                assertThat(d.stderr().lines().filter(l -> l.contains(ready))).hasSize(1);
            }
        }

        @Test
        void theLogLevelIsAcceptedBeforeTheSubcommandToo() {
            try (DaemonProcess d = DaemonProcess.in(home).globalArgs("--log-level", "debug").start()) {
                assertThat(d.logLines()).anyMatch(l -> DEBUG_LINE.matcher(l).matches());
            }
        }

        @Test
        void theEnvironmentWinsOverTheFlag() {
            try (DaemonProcess d = DaemonProcess.in(home).logLevel("debug").env("RUNTIMED_LOG", "warn").start()) {
                assertThat(d.answersPing()).isTrue();
                assertThat(d.logLines()).noneMatch(l -> l.contains(" DEBUG ") || l.contains(" INFO "));
            }
        }
    }
}
