package io.runtimed.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DAEMON.md §10: install and uninstall into a temp home, with stand-in service tools recording the calls. */
class ServiceInstallerTest {
    @TempDir
    Path dir;
    Path home;
    Path source;

    @BeforeEach
    void aHomeAndABinaryToInstall() throws IOException {
        home = Files.createDirectories(dir.resolve("home"));
        source = dir.resolve("build").resolve("runtimed");
        Files.createDirectories(source.getParent());
        Files.writeString(source, "#!/bin/sh\necho the daemon\n");
    }

    RuntPaths paths(BaseDirs.Os os) {
        return new RuntPaths(BaseDirs.of(os, Map.of("HOME", home.toString(), "USERPROFILE", home.toString()),
                home.toString()));
    }

    @Nested
    class OnLinuxWithStandInSystemctl {
        RuntPaths paths;
        StandInTool systemctl;
        ServiceInstaller installer;

        @BeforeEach
        void installer() throws IOException {
            paths = paths(BaseDirs.Os.LINUX);
            systemctl = StandInTool.write(dir.resolve("tools"), "systemctl");
            installer = linuxInstaller(systemctl);
        }

        ServiceInstaller linuxInstaller(StandInTool tool) {
            return new ServiceInstaller(paths.installDir(), paths.installedBinary(BaseDirs.Os.LINUX),
                    new SystemdUserService(paths.systemdUnit(), tool.command(), new ToolRunner()));
        }

        @Test
        void installCopiesTheBinaryWritesTheUnitAndEnablesIt() throws Exception {
            installer.install(source);

            Path installed = home.resolve(".local/share/runt/bin/runtimed");
            assertThat(installer.installedBinary()).isEqualTo(installed);
            assertThat(installed).hasSameBinaryContentAs(source);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(installed))).isEqualTo("rwxr-xr-x");
            Path unit = home.resolve(".config/systemd/user/runtimed.service");
            assertThat(unit).hasContent(SystemdUnit.render(installed));
            assertThat(installer.isInstalled()).isTrue();
            assertThat(systemctl.calls()).containsExactly("--user daemon-reload", "--user enable runtimed.service");
        }

        @Test
        void uninstallStopsRemovesEverythingAndReloads() throws Exception {
            installer.install(source);

            installer.uninstall();

            assertThat(installer.isInstalled()).isFalse();
            assertThat(home.resolve(".config/systemd/user/runtimed.service")).doesNotExist();
            assertThat(home.resolve(".local/share/runt/bin")).as("the emptied bin directory").doesNotExist();
            assertThat(systemctl.calls()).containsExactly("--user daemon-reload", "--user enable runtimed.service",
                    "--user stop runtimed.service", "--user disable runtimed.service", "--user daemon-reload");
        }

        @Test
        void uninstallLeavesOtherFilesInTheBinDirectory() throws Exception {
            installer.install(source);
            Path foreign = Files.writeString(home.resolve(".local/share/runt/bin/other-tool"), "x");

            installer.uninstall();

            assertThat(home.resolve(".local/share/runt/bin/runtimed")).doesNotExist();
            assertThat(foreign).exists();
        }

        @Test
        void installTwiceSaysAlreadyInstalledAndKeepsTheFirstCopy() throws Exception {
            installer.install(source);
            Files.writeString(source, "#!/bin/sh\necho a newer daemon\n");

            assertThatThrownBy(() -> installer.install(source)).isInstanceOf(ServiceException.class)
                    .hasMessage("Service already installed");
            assertThat(installer.installedBinary()).content().contains("echo the daemon");
        }

        @Test
        void aMissingSourceIsBinaryNotFoundAndInstallsNothing() {
            Path missing = dir.resolve("nowhere/runtimed");

            assertThatThrownBy(() -> installer.install(missing)).isInstanceOf(ServiceException.class)
                    .hasMessage("Binary not found at " + missing);
            assertThat(installer.isInstalled()).isFalse();
            assertThat(installer.installedBinary()).doesNotExist();
        }

        @Test
        void aDirectoryIsNoBinaryAndInstallsNothing() throws Exception {
            Path directory = Files.createDirectories(dir.resolve("a-directory"));

            assertThatThrownBy(() -> installer.install(directory)).isInstanceOf(ServiceException.class)
                    .hasMessage("Binary not found at " + directory);
            assertThat(installer.isInstalled()).isFalse();
            assertThat(installer.installedBinary()).doesNotExist();
        }

        @Test
        void uninstallDisablesBeforeTheUnitFileIsDeleted() throws Exception {
            installer = linuxInstaller(StandInTool.write(dir.resolve("tools2"), "systemctl",
                    "  '--user disable runtimed.service') [ -f '" + paths.systemdUnit() + "' ] || "
                            + "{ echo 'Unit file runtimed.service does not exist.' >&2; exit 1; };;"));
            installer.install(source);

            installer.uninstall();

            assertThat(installer.isInstalled()).isFalse();
        }

        @Test
        void uninstallGoesOnWhenTheServiceCannotBeStopped() throws Exception {
            installer = linuxInstaller(StandInTool.write(dir.resolve("tools2"), "systemctl",
                    "  '--user stop runtimed.service') echo 'Job for runtimed.service canceled.' >&2; exit 1;;"));
            installer.install(source);

            installer.uninstall();

            assertThat(installer.isInstalled()).isFalse();
            assertThat(installer.installedBinary()).doesNotExist();
        }

        @Test
        void startAndStopCallSystemctlUser() throws Exception {
            installer.install(source);

            installer.start();
            installer.stop();

            assertThat(systemctl.calls()).endsWith("--user start runtimed.service", "--user stop runtimed.service");
        }

        @Test
        void startAndStopWithoutAnInstallSayServiceNotInstalled() {
            assertThatThrownBy(installer::start).hasMessage("Service not installed");
            assertThatThrownBy(installer::stop).hasMessage("Service not installed");
            assertThatThrownBy(installer::uninstall).hasMessage("Service not installed");
        }

        @Test
        void aStopOfAUnitThatIsNotLoadedIsNotAnError() throws Exception {
            installer = linuxInstaller(StandInTool.write(dir.resolve("tools2"), "systemctl",
                    "  '--user stop runtimed.service') echo 'Failed to stop runtimed.service: Unit runtimed.service not loaded.' >&2; exit 5;;"));
            installer.install(source);

            installer.stop();
        }

        @Test
        void aFailedStartReportsWhatSystemctlSaid() throws Exception {
            installer = linuxInstaller(StandInTool.write(dir.resolve("tools2"), "systemctl",
                    "  '--user start runtimed.service') echo 'Job for runtimed.service failed.' >&2; exit 1;;"));
            installer.install(source);

            assertThatThrownBy(installer::start).isInstanceOf(ServiceException.class)
                    .hasMessage("Failed to start service: Job for runtimed.service failed.")
                    .matches(e -> !((ServiceException) e).managerUnavailable(), "is not 'manager unavailable'");
        }

        @Test
        void noUserSystemdIsReportedAsManagerUnavailableAndTheFilesStay() throws Exception {
            installer = linuxInstaller(StandInTool.write(dir.resolve("tools2"), "systemctl",
                    "  *) echo 'Failed to connect to bus: No medium found' >&2; exit 1;;"));

            assertThatThrownBy(() -> installer.install(source)).isInstanceOf(ServiceException.class)
                    .hasMessage("the systemd user manager is not available (Failed to connect to bus: No medium found)")
                    .matches(e -> ((ServiceException) e).managerUnavailable(), "is 'manager unavailable'");
            assertThat(installer.isInstalled()).isTrue();
            assertThat(installer.installedBinary()).exists();
            assertThatThrownBy(installer::start).matches(e -> ((ServiceException) e).managerUnavailable(),
                    "is 'manager unavailable'");
        }

        @Test
        void noSystemctlAtAllIsManagerUnavailable() throws Exception {
            installer = new ServiceInstaller(paths.installDir(), paths.installedBinary(BaseDirs.Os.LINUX),
                    new SystemdUserService(paths.systemdUnit(), dir.resolve("no-such-systemctl").toString(),
                            new ToolRunner()));

            assertThatThrownBy(() -> installer.install(source))
                    .isInstanceOf(ServiceException.class)
                    .hasMessageContaining("no-such-systemctl is not available")
                    .matches(e -> ((ServiceException) e).managerUnavailable(), "is 'manager unavailable'");
        }
    }

    @Nested
    class OnMacosWithStandInLaunchctl {
        @Test
        void installWritesThePlistAndStartStopUseLoadAndUnload() throws Exception {
            RuntPaths paths = paths(BaseDirs.Os.MACOS);
            StandInTool launchctl = StandInTool.write(dir.resolve("tools"), "launchctl");
            ServiceInstaller installer = new ServiceInstaller(paths.installDir(), paths.installedBinary(BaseDirs.Os.MACOS),
                    new LaunchdAgent(paths.launchdPlist(), paths.logFile(), launchctl.command(), new ToolRunner()));

            installer.install(source);
            installer.start();
            installer.stop();

            Path installed = home.resolve("Library/Application Support/runt/bin/runtimed");
            Path plist = home.resolve("Library/LaunchAgents/io.runtimed.plist");
            assertThat(installed).hasSameBinaryContentAs(source);
            assertThat(plist).hasContent(LaunchdPlist.render(installed, home.resolve("Library/Caches/runt/runtimed.log")));
            assertThat(launchctl.calls()).containsExactly("load -w " + plist, "unload " + plist);

            installer.uninstall();
            assertThat(plist).doesNotExist();
            assertThat(installed).doesNotExist();
        }

        @Test
        void alreadyLoadedAndNotFoundAreNotErrorsButOtherFailuresAre() throws Exception {
            RuntPaths paths = paths(BaseDirs.Os.MACOS);
            StandInTool launchctl = StandInTool.write(dir.resolve("tools"), "launchctl",
                    "  load*) echo 'service already loaded' >&2; exit 1;;",
                    "  unload*) echo 'Could not find specified service' >&2; exit 1;;");
            LaunchdAgent agent = new LaunchdAgent(paths.launchdPlist(), paths.logFile(), launchctl.command(), new ToolRunner());
            agent.start();
            agent.stop();

            StandInTool broken = StandInTool.write(dir.resolve("tools2"), "launchctl",
                    "  *) echo 'Load failed: 5: Input/output error' >&2; exit 5;;");
            LaunchdAgent failing = new LaunchdAgent(paths.launchdPlist(), paths.logFile(), broken.command(), new ToolRunner());
            assertThatThrownBy(failing::start).hasMessage("Failed to start service: Load failed: 5: Input/output error");
            assertThatThrownBy(failing::stop).hasMessage("Failed to stop service: Load failed: 5: Input/output error");
        }
    }

    @Nested
    class OnWindows {
        @Test
        void installWritesTheStartupScriptForRuntimedExe() throws Exception {
            Path local = dir.resolve("AppData/Local");
            Path roaming = dir.resolve("AppData/Roaming");
            RuntPaths paths = new RuntPaths(BaseDirs.of(BaseDirs.Os.WINDOWS, Map.of("USERPROFILE", home.toString(),
                    "LOCALAPPDATA", local.toString(), "APPDATA", roaming.toString()), home.toString()));
            ServiceInstaller installer = ServiceInstaller.forPlatform(BaseDirs.Os.WINDOWS, paths, new ToolRunner());

            installer.install(source);

            Path exe = local.resolve("runt/bin/runtimed.exe");
            assertThat(exe).hasSameBinaryContentAs(source);
            assertThat(Files.readString(roaming.resolve("Microsoft/Windows/Start Menu/Programs/Startup/runtimed.vbs")))
                    .isEqualTo(WindowsStartup.render(exe));
        }
    }

    @Test
    void everyPlatformsInstallerCanBeBuilt() {
        for (BaseDirs.Os os : BaseDirs.Os.values()) {
            ServiceInstaller installer = ServiceInstaller.forPlatform(os, paths(os), new ToolRunner());
            assertThat(installer.manager().definitionFile()).isEqualTo(paths(os).serviceFile(os));
            assertThat(installer.isInstalled()).isFalse();
        }
    }
}
