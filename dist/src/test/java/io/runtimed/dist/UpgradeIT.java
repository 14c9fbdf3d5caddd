package io.runtimed.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.client.DaemonReadiness;
import io.runtimed.client.ProcessLiveness;
import io.runtimed.client.NotebookClient;
import io.runtimed.client.SettingsClient;
import io.runtimed.paths.BaseDirs;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.DaemonInfoFile;
import io.runtimed.protocol.RuntimedVersion;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.sync.settings.Theme;
import io.runtimed.testkit.Cli;
import io.runtimed.testkit.RuntHome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DAEMON.md §9 and issue 7 item 3: a notebook app's {@code ensureDaemonRunning()} with the daemon it
 * bundles installs it as the service, and replaces an older running daemon (stop, copy, start)
 * without losing rooms or settings. systemctl is a stand-in (no user systemd in a container).
 */
class UpgradeIT {
    private static final Duration SYNCED = Duration.ofSeconds(15);

    /** The unpacked distributions no test changes (installs copy them), unpacked once for all tests. */
    @TempDir
    static Path unpacked;
    static UnpackedDistribution current;
    static UnpackedDistribution older;

    @TempDir
    Path dir;
    RuntHome home;
    StandInSystemctl systemctl;
    Map<String, String> env;

    @BeforeAll
    static void unpackOnce() throws Exception {
        current = UnpackedDistribution.unpack(unpacked.resolve("new"));
        older = UnpackedDistribution.unpack(unpacked.resolve("old")).withVersion("0.0.9");
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

    /** Runs {@link EnsureInstalledMain} with this build (version {@link RuntimedVersion#full()}). */
    Cli.Result ensureDaemonRunning(Path bundled) throws Exception {
        return Launcher.runMain(home, env, EnsureInstalledMain.class, bundled.toString());
    }

    /** As an app that bundles no daemon. */
    Cli.Result ensureDaemonRunningWithoutABundledDaemon() throws Exception {
        return Launcher.runMain(home, env, EnsureInstalledMain.class);
    }

    /** Installs and starts {@code dist} through its own launcher, as an app of that version would. */
    void installAndStart(UnpackedDistribution dist) throws Exception {
        Cli.Result install = Launcher.run(home, env, dir, dist.runtimed(), "install");
        assertThat(install.exitCode()).as("%s", install).isZero();
        Cli.Result start = Launcher.run(home, env, dir, dist.runtimed(), "start");
        assertThat(start.exitCode()).as("%s", start).isZero();
    }

    DaemonInfo info() {
        return new DaemonInfoFile(home.infoFile()).read().orElseThrow(() -> new AssertionError("no daemon.json"));
    }

    @Nested
    class WithStandInSystemctl {
        @BeforeEach
        void standIn() throws IOException {
            systemctl = StandInSystemctl.write(dir.resolve("tools"));
            // upgrades, not the start-up archive (ServiceCommandsIT's), are under test: no training per install
            env = Map.of("PATH", systemctl.path(), "RUNTIMED_STARTUP_ARCHIVE", "off");
        }

        /** One install and start serves both: the second call finds the daemon the first one started. */
        @Test
        void nothingInstalledInstallsTheBundledDaemonAndStartsItAndARunningDaemonOfTheSameVersionIsKept()
                throws Exception {
            Cli.Result r = ensureDaemonRunning(current.runtimed());

            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(r.stdout().strip()).isEqualTo(info().pid() + " " + RuntimedVersion.full());
            assertThat(home.config().resolve("systemd/user/runtimed.service")).exists();
            assertThat(home.paths().installedBinary(BaseDirs.Os.LINUX)).hasSameBinaryContentAs(current.runtimed());
            assertThat(systemctl.calls()).containsExactly("--user daemon-reload", "--user enable runtimed.service",
                    "--user start runtimed.service");

            // a running daemon of the same version is kept
            long pid = info().pid();
            List<String> callsBefore = systemctl.calls();

            Cli.Result again = ensureDaemonRunning(current.runtimed());

            assertThat(again.exitCode()).as("%s", again).isZero();
            assertThat(info().pid()).isEqualTo(pid);
            assertThat(systemctl.calls()).isEqualTo(callsBefore);
        }

        @Test
        void anOlderRunningDaemonIsReplacedAndTheNotebookAndSettingsSurvive() throws Exception {
            installAndStart(older);
            DaemonInfo old = info();
            assertThat(old.version()).startsWith("0.0.9+");

            String cellId = "cell-1";
            try (NotebookClient notebook = NotebookClient.join(home.defaultSocket(), "survives-upgrade");
                 SettingsClient settings = SettingsClient.connect(home.defaultSocket())) {
                notebook.addCell(0, cellId, "code");
                notebook.updateSource(cellId, "print('still here')");
                settings.set("theme", "dark");
                assertThat(notebook.awaitSynced(SYNCED)).as("notebook edits acknowledged").isTrue();
                assertThat(settings.awaitSynced(SYNCED)).as("settings acknowledged").isTrue();

                Cli.Result upgrade = ensureDaemonRunning(current.runtimed());

                assertThat(upgrade.exitCode()).as("%s", upgrade).isZero();
            }
            DaemonInfo now = info();
            assertThat(now.version()).isEqualTo(RuntimedVersion.full());
            assertThat(now.pid()).isNotEqualTo(old.pid());
            assertThat(ProcessLiveness.isRunning(old.pid())).as("the old daemon runs").isFalse();
            assertThat(systemctl.calls()).containsSubsequence("--user stop runtimed.service", "--user start runtimed.service");
            assertThat(home.paths().installDir().resolve("lib/runtimed-cli.jar"))
                    .as("the installed copy is the new build")
                    .hasSameBinaryContentAs(current.root().resolve("lib/runtimed-cli.jar"));

            try (NotebookClient notebook = NotebookClient.join(home.defaultSocket(), "survives-upgrade");
                 SettingsClient settings = SettingsClient.connect(home.defaultSocket())) {
                assertThat(notebook.waitFor(s -> s.cells().stream().anyMatch(c -> c.id().equals(cellId)), SYNCED))
                        .as("the notebook after the upgrade").isPresent();
                assertThat(notebook.getCell(cellId)).as("the cell written before the upgrade").isPresent()
                        .get().extracting(NotebookCell::source).isEqualTo("print('still here')");
                assertThat(settings.getAll().theme()).isEqualTo(Theme.DARK);
            }
        }

        @Test
        void aNewerRunningDaemonIsNotDowngraded() throws Exception {
            installAndStart(UnpackedDistribution.unpack(dir.resolve("newer")).withVersion("9.0.0"));
            long pid = info().pid();

            Cli.Result r = ensureDaemonRunning(current.runtimed());

            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(info().pid()).isEqualTo(pid);
            assertThat(info().version()).startsWith("9.0.0+");
        }

        @Test
        void aMissingBundledBinaryIsReportedAndNothingIsInstalled() throws Exception {
            Path missing = dir.resolve("nowhere/runtimed");

            Cli.Result r = ensureDaemonRunning(missing);

            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr().strip()).isEqualTo("Daemon binary not found at " + missing);
            assertThat(home.config().resolve("systemd/user/runtimed.service")).doesNotExist();
        }

        @Test
        void withoutABundledDaemonNothingCanBeInstalled() throws Exception {
            Cli.Result r = ensureDaemonRunningWithoutABundledDaemon();

            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr().strip()).isEqualTo("No daemon binary path provided for installation");
        }

        @Test
        void withoutABundledDaemonTheInstalledServiceIsStarted() throws Exception {
            assertThat(Launcher.run(home, env, dir, current.runtimed(), "install").exitCode()).isZero();

            Cli.Result r = ensureDaemonRunningWithoutABundledDaemon();

            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(r.stdout().strip()).isEqualTo(info().pid() + " " + RuntimedVersion.full());
        }

        /** Neither call changes anything, so one install and start of the older daemon serves both. */
        @Test
        void anOlderDaemonKeepsRunningWhenTheBundledBinaryIsMissingAndIsKeptByAnAppThatBundlesNone()
                throws Exception {
            installAndStart(older);
            DaemonInfo old = info();
            Path missing = dir.resolve("nowhere/runtimed");

            Cli.Result r = ensureDaemonRunning(missing);

            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr().strip()).isEqualTo("Daemon binary not found at " + missing);
            assertThat(info().pid()).as("the old daemon was not stopped").isEqualTo(old.pid());
            assertThat(DaemonReadiness.answers(home.paths())).isTrue();
            assertThat(systemctl.calls()).doesNotContain("--user stop runtimed.service");

            // an app that bundles no daemon keeps the older one
            Cli.Result none = ensureDaemonRunningWithoutABundledDaemon();

            assertThat(none.exitCode()).as("%s", none).isZero();
            assertThat(none.stdout().strip()).isEqualTo(old.pid() + " " + old.version());
        }

        @Test
        void aCopyThatFailsAfterTheStopBringsTheOldDaemonBack() throws Exception {
            installAndStart(older);
            DaemonInfo old = info();
            UnpackedDistribution broken = UnpackedDistribution.unpack(dir.resolve("broken")).withUnreadableJar();

            Cli.Result r = ensureDaemonRunning(broken.runtimed());

            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr().strip()).startsWith("Failed to upgrade daemon service: IO error: ");
            DaemonInfo after = DaemonReadiness.await(home.paths(), RuntHome.PROMPTLY, i -> i.pid() != old.pid());
            assertThat(after.version()).as("the old installed copy, started again").isEqualTo(old.version());
            assertThat(home.paths().installDir().resolve("lib/deps")).isDirectoryNotContaining("glob:**/zz-missing.jar");
        }

        @Test
        void anOlderInstalledCopyThatWasNotRunningIsUpgradedAfterItStarts() throws Exception {
            assertThat(Launcher.run(home, env, dir, older.runtimed(), "install").exitCode()).isZero();

            Cli.Result r = ensureDaemonRunning(current.runtimed());

            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(info().version()).isEqualTo(RuntimedVersion.full());
            assertThat(home.paths().installDir().resolve("lib/runtimed-cli.jar"))
                    .hasSameBinaryContentAs(current.root().resolve("lib/runtimed-cli.jar"));
        }

        @Test
        void twoAppsUpgradingAtOnceStopTheOldDaemonOnceAndEndWithTheSameNewOne() throws Exception {
            installAndStart(older);
            Path bundled = current.runtimed();

            CompletableFuture<Cli.Result> a = CompletableFuture.supplyAsync(() -> ensure(bundled));
            CompletableFuture<Cli.Result> b = CompletableFuture.supplyAsync(() -> ensure(bundled));
            Cli.Result ra = a.get(120, TimeUnit.SECONDS);
            Cli.Result rb = b.get(120, TimeUnit.SECONDS);

            assertThat(ra.exitCode()).as("%s", ra).isZero();
            assertThat(rb.exitCode()).as("%s", rb).isZero();
            String now = info().pid() + " " + RuntimedVersion.full();
            assertThat(ra.stdout().strip()).isEqualTo(now);
            assertThat(rb.stdout().strip()).isEqualTo(now);
            assertThat(systemctl.calls()).filteredOn(c -> c.equals("--user stop runtimed.service")).hasSize(1);
            assertThat(home.daemonProcesses()).hasSize(1);
        }

        private Cli.Result ensure(Path bundled) {
            try {
                return ensureDaemonRunning(bundled);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Nested
    class WithStandInSystemctlWithoutUserManager {
        @BeforeEach
        void standIn() throws IOException {
            systemctl = StandInSystemctl.withoutBus(dir.resolve("tools"));
            // upgrades, not the start-up archive (ServiceCommandsIT's), are under test: no training per install
            env = Map.of("PATH", systemctl.path(), "RUNTIMED_STARTUP_ARCHIVE", "off");
        }

        @Test
        void anOlderDaemonIsStoppedThroughItsSocketAndTheNewOneStartedDirectly() throws Exception {
            installAndStart(older);
            DaemonInfo old = info();

            Cli.Result r = ensureDaemonRunning(current.runtimed());

            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(info().version()).isEqualTo(RuntimedVersion.full());
            assertThat(ProcessLiveness.isRunning(old.pid())).as("the old daemon runs").isFalse();
        }

        @Test
        void theInstalledDaemonIsStartedDirectly() throws Exception {
            Cli.Result r = ensureDaemonRunning(current.runtimed());

            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(Files.readString(Path.of("/proc", Long.toString(info().pid()), "cmdline")))
                    .contains(home.paths().installDir().resolve("lib").toString());
        }
    }
}
