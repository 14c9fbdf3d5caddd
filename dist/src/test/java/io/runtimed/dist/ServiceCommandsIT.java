package io.runtimed.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.client.DaemonReadiness;
import io.runtimed.client.ProcessLiveness;
import io.runtimed.paths.BaseDirs;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.DaemonInfoFile;
import io.runtimed.service.SystemdUnit;
import io.runtimed.testkit.Cli;
import io.runtimed.testkit.RuntHome;
import io.runtimed.testkit.SystemPackages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DAEMON.md §8, §10: {@code runtimed install | start | status | stop | uninstall} run from an unpacked
 * distribution, against a stand-in systemctl that records the calls (no user systemd in a container).
 */
class ServiceCommandsIT {
    /** Unpacked once for all tests: 'install' copies it and no test changes it. */
    @TempDir
    static Path unpacked;
    static UnpackedDistribution dist;

    @TempDir
    Path dir;
    RuntHome home;
    StandInSystemctl systemctl;
    Map<String, String> env;

    @BeforeAll
    static void unpackOnce() throws Exception {
        dist = UnpackedDistribution.unpack(unpacked.resolve("opt"));
    }

    @BeforeEach
    void setUp() throws Exception {
        home = RuntHome.in(dir.resolve("h"));
        StandInUv.placeIn(home);
    }

    @AfterEach
    void killWhatStillRuns() {
        home.close();
    }

    Path installedBinary() {
        return home.paths().installedBinary(BaseDirs.Os.LINUX);
    }

    Path unitFile() {
        return home.config().resolve("systemd/user/runtimed.service");
    }

    Cli.Result runtimed(String... args) throws Exception {
        return Launcher.run(home, env, dir, dist.runtimed(), args);
    }

    @Nested
    class WithStandInSystemctl {
        @BeforeEach
        void standIn() throws IOException {
            systemctl = StandInSystemctl.write(dir.resolve("tools"));
            // only installCopies… checks the start-up archive; the others skip its training
            env = Map.of("PATH", systemctl.path(), "RUNTIMED_STARTUP_ARCHIVE", "off");
        }

        @Test
        void installCopiesTheDistributionWritesTheUnitAndEnablesItAndASecondInstallSaysAlreadyInstalled() throws Exception {
            env = Map.of("PATH", systemctl.path());
            SystemPackages.requireSystemdAnalyze();
            Cli.Result r = runtimed("install");

            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(r.stdoutLines()).containsExactly(
                    "Installing runtimed service...",
                    "Source binary: " + dist.runtimed(),
                    "",
                    "Service installed successfully!",
                    "The daemon will start automatically at login.",
                    "",
                    "To start now: runtimed start",
                    "To check status: runtimed status",
                    "To uninstall: runtimed uninstall");
            Path installed = installedBinary();
            assertThat(installed).hasSameBinaryContentAs(dist.runtimed());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(installed))).isEqualTo("rwxr-xr-x");
            assertThat(home.paths().installDir().resolve("lib/runtimed-cli.jar"))
                    .hasSameBinaryContentAs(dist.root().resolve("lib/runtimed-cli.jar"));
            assertThat(home.paths().installDir().resolve("lib/runtimed.jsa")).as("the installed copy's start-up archive")
                    .isNotEmptyFile();
            assertThat(home.paths().installDir().resolve("lib/native/x86_64-unknown-linux-gnu/libautomerge_jni_0_2_0.so"))
                    .as("Automerge's JNI library, which the installed copy loads from its lib/native")
                    .hasSameBinaryContentAs(dist.root().resolve("lib/native/x86_64-unknown-linux-gnu/libautomerge_jni_0_2_0.so"));
            assertThat(Files.readString(unitFile())).isEqualTo(SystemdUnit.render(installed));
            assertThat(systemctl.calls()).containsExactly("--user daemon-reload", "--user enable runtimed.service");
            assertThat(verifyUnit(unitFile())).as("systemd-analyze verify --user on the installed unit").isEmpty();

            // installing twice says it is already installed
            Cli.Result again = runtimed("install");

            assertThat(again.exitCode()).isEqualTo(1);
            assertThat(again.stdoutLines()).containsExactly("Installing runtimed service...",
                    "Source binary: " + dist.runtimed(),
                    "Service already installed. Use 'uninstall' first to reinstall.");
        }

        @Test
        void startStatusStopAndUninstallDriveTheInstalledDaemon() throws Exception {
            assertThat(runtimed("install").exitCode()).isZero();

            Cli.Result start = runtimed("start");
            assertThat(start.exitCode()).as("%s", start).isZero();
            assertThat(start.stdoutLines()).containsExactly("Starting runtimed service...", "Service started.");
            DaemonInfo info = new DaemonInfoFile(home.infoFile()).read()
                    .orElseThrow(() -> new AssertionError("no daemon.json after 'Service started.'"));
            assertThat(commandLineOf(info.pid()))
                    .as("the service runs the installed copy with the JVM recorded at install, not java from PATH")
                    .startsWith(Path.of(System.getProperty("java.home"), "bin", "java") + " ")
                    .contains(home.paths().installDir().resolve("lib/runtimed-cli.jar").toString());

            Cli.Result status = runtimed("status");
            assertThat(status.stdoutLines()).contains("Service installed: yes", "Daemon running:    yes");

            Cli.Result stop = runtimed("stop");
            assertThat(stop.exitCode()).as("%s", stop).isZero();
            assertThat(stop.stdoutLines()).containsExactly("Stopping runtimed service...", "Service stopped.");
            assertThat(ProcessLiveness.isRunning(info.pid())).as("the daemon process runs").isFalse();
            assertThat(systemctl.calls()).contains("--user start runtimed.service", "--user stop runtimed.service");

            Cli.Result uninstall = runtimed("uninstall");
            assertThat(uninstall.exitCode()).as("%s", uninstall).isZero();
            assertThat(uninstall.stdoutLines()).containsExactly("Uninstalling runtimed service...",
                    "Service uninstalled successfully.");
            assertThat(unitFile()).doesNotExist();
            assertThat(home.paths().installDir().resolve("bin")).doesNotExist();
            assertThat(home.paths().installDir().resolve("lib")).doesNotExist();
            assertThat(runtimed("status").stdoutLines()).contains("Service installed: no", "Daemon running:    no");
        }

        @Test
        void uninstallStopsARunningDaemonFirst() throws Exception {
            assertThat(runtimed("install").exitCode()).isZero();
            assertThat(runtimed("start").exitCode()).isZero();
            long pid = new DaemonInfoFile(home.infoFile()).read().orElseThrow().pid();

            Cli.Result uninstall = runtimed("uninstall");

            assertThat(uninstall.exitCode()).as("%s", uninstall).isZero();
            assertThat(ProcessLiveness.isRunning(pid)).as("the daemon runs").isFalse();
            assertThat(installedBinary()).doesNotExist();
        }

        @Test
        void installOfAMissingBinaryIsAnErrorAndInstallsNothing() throws Exception {
            Path missing = dir.resolve("nowhere/runtimed");

            Cli.Result r = runtimed("install", "--binary", missing.toString());

            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderrLines()).containsExactly("Error: Binary not found at " + missing);
            assertThat(unitFile()).doesNotExist();
        }

        @Test
        void withoutAnInstallStartStopAndUninstallSaySo() throws Exception {
            Cli.Result start = runtimed("start");
            assertThat(start.exitCode()).isEqualTo(1);
            assertThat(start.stderrLines()).containsExactly("Service not installed. Run 'runtimed install' first.");

            Cli.Result stop = runtimed("stop");
            assertThat(stop.exitCode()).isEqualTo(1);
            assertThat(stop.stderrLines()).containsExactly("Service not installed.");

            Cli.Result uninstall = runtimed("uninstall");
            assertThat(uninstall.exitCode()).isZero();
            assertThat(uninstall.stdoutLines()).containsExactly("Uninstalling runtimed service...", "Service not installed.");
            assertThat(systemctl.calls()).isEmpty();
        }
    }

    /** macOS installs under "Application Support", and any home may hold a space. */
    @Nested
    class InAHomeWithSpaces {
        @BeforeEach
        void homeWithSpaces() throws Exception {
            home.close();
            home = RuntHome.in(dir.resolve("Jo Smith"));
            StandInUv.placeIn(home);
            systemctl = StandInSystemctl.write(dir.resolve("tools"));
            env = Map.of("PATH", systemctl.path());
        }

        @Test
        void theInstalledCopyStartsWithItsStartUpArchive() throws Exception {
            SystemPackages.requireSystemdAnalyze();
            assertThat(runtimed("install").exitCode()).isZero();
            assertThat(home.paths().installDir().resolve("lib/runtimed.jsa")).isNotEmptyFile();
            assertThat(verifyUnit(unitFile())).as("systemd-analyze verify --user on the installed unit").isEmpty();

            Cli.Result start = runtimed("start");

            assertThat(start.exitCode()).as("%s", start).isZero();
            Cli.Result version = Launcher.run(home, env, dir, installedBinary(), "--version");
            assertThat(version.exitCode()).as("%s", version).isZero();
            assertThat(version.stdout()).startsWith("runtimed ");
            assertThat(runtimed("stop").exitCode()).isZero();
        }
    }

    /** Where systemctl exists but no user manager runs (this container; ssh sessions without lingering). */
    @Nested
    class WithStandInSystemctlWithoutUserManager {
        @BeforeEach
        void standIn() throws IOException {
            systemctl = StandInSystemctl.withoutBus(dir.resolve("tools"));
            // the archive is WithStandInSystemctl's and InAHomeWithSpaces' to check: no training here
            env = Map.of("PATH", systemctl.path(), "RUNTIMED_STARTUP_ARCHIVE", "off");
        }

        @Test
        void installSaysTheServiceIsNotRegisteredAndHow() throws Exception {
            Cli.Result r = runtimed("install");

            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(r.stdout()).contains("but the systemd user manager is not available "
                    + "(Failed to connect to bus: No medium found).")
                    .contains("systemctl --user daemon-reload && systemctl --user enable runtimed.service");
            assertThat(installedBinary()).exists();
        }

        @Test
        void startRunsTheInstalledDaemonDirectlyAndStopStopsIt() throws Exception {
            assertThat(runtimed("install").exitCode()).isZero();

            Cli.Result start = runtimed("start");

            assertThat(start.exitCode()).as("%s", start).isZero();
            assertThat(start.stdoutLines()).containsExactly("Starting runtimed service...",
                    "The systemd user manager is not available (Failed to connect to bus: No medium found).",
                    "Started " + installedBinary() + " directly instead.",
                    "Service started.");
            assertThat(DaemonReadiness.answers(home.paths())).isTrue();

            Cli.Result stop = runtimed("stop");

            assertThat(stop.exitCode()).as("%s", stop).isZero();
            assertThat(stop.stdoutLines()).containsExactly("Stopping runtimed service...", "Service stopped.");
            assertThat(DaemonReadiness.answers(home.paths())).isFalse();
        }
    }

    private static String commandLineOf(long pid) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                .replace('\0', ' ');
    }

    /** systemd's own verifier on the unit as installed; its complaints, or "" when it accepts it. */
    private String verifyUnit(Path unit) throws Exception {
        Path runtime = Files.createDirectories(dir.resolve("xdg-runtime"));
        Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
        ProcessBuilder pb = new ProcessBuilder("systemd-analyze", "verify", "--user", unit.toString())
                .redirectErrorStream(true);
        pb.environment().put("XDG_RUNTIME_DIR", runtime.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p.exitValue() == 0 ? out.strip() : "exit " + p.exitValue() + ": " + out;
    }

}
