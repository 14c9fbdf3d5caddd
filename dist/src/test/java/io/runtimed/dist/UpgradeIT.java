package io.runtimed.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.client.DaemonShutdown;
import io.runtimed.client.NotebookClient;
import io.runtimed.client.SettingsClient;
import io.runtimed.paths.BaseDirs;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.DaemonInfoFile;
import io.runtimed.protocol.RuntimedVersion;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.sync.settings.Theme;
import io.runtimed.testkit.Cli;
import io.runtimed.testkit.JavaProcess;
import io.runtimed.testkit.RuntHome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
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

    @TempDir
    Path dir;
    RuntHome home;
    UnpackedDistribution current;
    StandInSystemctl systemctl;
    Map<String, String> env;

    @BeforeEach
    void setUp() throws Exception {
        home = RuntHome.in(dir.resolve("h"));
        current = UnpackedDistribution.unpack(dir.resolve("new"));
    }

    @AfterEach
    void killWhatStillRuns() {
        home.close();
    }

    /** Runs {@link EnsureInstalledMain} with this build (version {@link RuntimedVersion#full()}). */
    Cli.Result ensureDaemonRunning(Path bundled) {
        return Cli.run(home, env, EnsureInstalledMain.class.getName(), List.of(bundled.toString()));
    }

    DaemonInfo info() {
        return new DaemonInfoFile(home.infoFile()).read().orElseThrow(() -> new AssertionError("no daemon.json"));
    }

    @Nested
    class WithStandInSystemctl {
        @BeforeEach
        void standIn() throws IOException {
            systemctl = StandInSystemctl.write(dir.resolve("tools"));
            env = Map.of("PATH", systemctl.path());
        }

        @Test
        void nothingInstalledInstallsTheBundledDaemonAndStartsIt() throws Exception {
            Cli.Result r = ensureDaemonRunning(current.runtimed());

            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(r.stdout().strip()).isEqualTo(info().pid() + " " + RuntimedVersion.full());
            assertThat(home.config().resolve("systemd/user/runtimed.service")).exists();
            assertThat(home.paths().installedBinary(BaseDirs.Os.LINUX)).hasSameBinaryContentAs(current.runtimed());
            assertThat(systemctl.calls()).containsExactly("--user daemon-reload", "--user enable runtimed.service",
                    "--user start runtimed.service");
        }

        @Test
        void anOlderRunningDaemonIsReplacedAndTheNotebookAndSettingsSurvive() throws Exception {
            UnpackedDistribution older = UnpackedDistribution.unpack(dir.resolve("old")).withVersion("0.0.9");
            Cli.Result first = ensureDaemonRunningAs(older);
            assertThat(first.exitCode()).as("%s", first).isZero();
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
            assertThat(DaemonShutdown.isRunning(old.pid())).as("the old daemon runs").isFalse();
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
        void aRunningDaemonOfTheSameVersionIsKept() throws Exception {
            assertThat(ensureDaemonRunning(current.runtimed()).exitCode()).isZero();
            long pid = info().pid();
            List<String> callsBefore = systemctl.calls();

            Cli.Result again = ensureDaemonRunning(current.runtimed());

            assertThat(again.exitCode()).as("%s", again).isZero();
            assertThat(info().pid()).isEqualTo(pid);
            assertThat(systemctl.calls()).isEqualTo(callsBefore);
        }

        @Test
        void aNewerRunningDaemonIsNotDowngraded() throws Exception {
            UnpackedDistribution newer = UnpackedDistribution.unpack(dir.resolve("newer")).withVersion("9.0.0");
            assertThat(ensureDaemonRunningAs(newer).exitCode()).isZero();
            long pid = info().pid();

            Cli.Result r = ensureDaemonRunning(current.runtimed());

            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(info().pid()).isEqualTo(pid);
            assertThat(info().version()).startsWith("9.0.0+");
        }

        @Test
        void aMissingBundledBinaryIsReported() {
            Path missing = dir.resolve("nowhere/runtimed");

            Cli.Result r = ensureDaemonRunning(missing);

            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stderr().strip()).isEqualTo("Daemon binary not found at " + missing);
        }

        /** Installs and starts {@code dist} through its own launcher, as an app of that version would. */
        Cli.Result ensureDaemonRunningAs(UnpackedDistribution dist) throws Exception {
            Cli.Result install = Launcher.run(home, env, dir, dist.runtimed(), "install");
            assertThat(install.exitCode()).as("%s", install).isZero();
            return Launcher.run(home, env, dir, dist.runtimed(), "start");
        }
    }

    @Nested
    class WithStandInSystemctlWithoutUserManager {
        @Test
        void theInstalledDaemonIsStartedDirectly() throws Exception {
            systemctl = StandInSystemctl.withoutBus(dir.resolve("tools"));
            env = Map.of("PATH", systemctl.path());

            Cli.Result r = ensureDaemonRunning(current.runtimed());

            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(Files.readString(Path.of("/proc", Long.toString(info().pid()), "cmdline")))
                    .contains(home.paths().installDir().resolve("lib").toString());
        }
    }
}
