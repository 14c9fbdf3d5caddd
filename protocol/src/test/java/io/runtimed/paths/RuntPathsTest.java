package io.runtimed.paths;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.runtimed.paths.BaseDirs.Os;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** DAEMON.md §2 and §10: every file runtimed shares with the reference daemon, for alice on Linux. */
class RuntPathsTest {
    private static final RuntPaths LINUX = new RuntPaths(BaseDirs.of(Os.LINUX, Map.of("HOME", "/home/alice"), null));
    private static final RuntPaths MACOS = new RuntPaths(BaseDirs.of(Os.MACOS, Map.of("HOME", "/Users/alice"), null));

    static Stream<Arguments> linuxLayout() {
        return Stream.of(
                path("runt dir", RuntPaths::runtDir, "/home/alice/.cache/runt"),
                path("socket", RuntPaths::defaultSocket, "/home/alice/.cache/runt/runtimed.sock"),
                path("lock file", RuntPaths::lockFile, "/home/alice/.cache/runt/daemon.lock"),
                path("daemon.json", RuntPaths::infoFile, "/home/alice/.cache/runt/daemon.json"),
                path("log file", RuntPaths::logFile, "/home/alice/.cache/runt/runtimed.log"),
                path("env root", RuntPaths::defaultEnvRoot, "/home/alice/.cache/runt/envs"),
                path("blob store", RuntPaths::defaultBlobDir, "/home/alice/.cache/runt/blobs"),
                path("notebook docs", RuntPaths::notebookDocsDir, "/home/alice/.cache/runt/notebook-docs"),
                path("settings doc", RuntPaths::settingsDoc, "/home/alice/.cache/runt/settings.automerge"),
                path("obsolete sync socket", RuntPaths::obsoleteSyncSocket, "/home/alice/.cache/runt/runtimed-sync.sock"),
                path("settings seen", RuntPaths::settingsSeen, "/home/alice/.cache/runt/settings-json.seen"),
                path("settings dir", RuntPaths::settingsDir, "/home/alice/.config/runt-notebook"),
                path("settings.json", RuntPaths::settingsJson, "/home/alice/.config/runt-notebook/settings.json"),
                path("settings schema", RuntPaths::settingsSchema, "/home/alice/.config/runt-notebook/settings.schema.json"),
                path("install dir", RuntPaths::installDir, "/home/alice/.local/share/runt"),
                path("installed binary dir", RuntPaths::installBinDir, "/home/alice/.local/share/runt/bin"),
                path("installed binary", p -> p.installedBinary(Os.LINUX), "/home/alice/.local/share/runt/bin/runtimed"),
                path("installed binary on Windows", p -> p.installedBinary(Os.WINDOWS),
                        "/home/alice/.local/share/runt/bin/runtimed.exe"),
                path("systemd unit", RuntPaths::systemdUnit, "/home/alice/.config/systemd/user/runtimed.service"));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("linuxLayout")
    void linuxLayoutMatchesTheReference(Function<RuntPaths, Path> which, String expected) {
        assertThat(which.apply(LINUX)).isEqualTo(Path.of(expected));
    }

    @Test
    void everythingUnderRuntFollowsXdgCacheHome() {
        RuntPaths paths = new RuntPaths(BaseDirs.of(Os.LINUX,
                Map.of("HOME", "/home/alice", "XDG_CACHE_HOME", "/fast/cache", "XDG_CONFIG_HOME", "/cfg"), null));

        assertThat(paths.defaultSocket()).isEqualTo(Path.of("/fast/cache/runt/runtimed.sock"));
        assertThat(paths.lockFile()).isEqualTo(Path.of("/fast/cache/runt/daemon.lock"));
        assertThat(paths.settingsDir()).isEqualTo(Path.of("/cfg/runt-notebook"));
        assertThat(paths.systemdUnit()).isEqualTo(Path.of("/cfg/systemd/user/runtimed.service"));
    }

    @Test
    void macOsKeepsRuntUnderCachesAndSettingsUnderApplicationSupport() {
        assertThat(MACOS.defaultSocket()).isEqualTo(Path.of("/Users/alice/Library/Caches/runt/runtimed.sock"));
        assertThat(MACOS.settingsDir()).isEqualTo(Path.of("/Users/alice/Library/Application Support/runt-notebook"));
        assertThat(MACOS.logFile()).isEqualTo(Path.of("/Users/alice/Library/Caches/runt/runtimed.log"));
    }

    @Test
    void theLaunchdPlistIsInTheUsersLaunchAgents() {
        assertThat(MACOS.launchdPlist()).isEqualTo(Path.of("/Users/alice/Library/LaunchAgents/io.runtimed.plist"));
    }

    @Test
    void theWindowsStartupScriptIsInRoamingAppData() {
        RuntPaths windows = new RuntPaths(BaseDirs.of(Os.WINDOWS, Map.of(
                "USERPROFILE", "C:\\Users\\alice", "APPDATA", "/roaming", "LOCALAPPDATA", "/local"), null));

        assertThat(windows.windowsStartupScript())
                .isEqualTo(Path.of("/roaming/Microsoft/Windows/Start Menu/Programs/Startup/runtimed.vbs"));
        assertThat(windows.defaultSocket()).isEqualTo(Path.of("/local/runt/runtimed.sock"));
    }

    @Test
    void serviceFileIsThePlatformsServiceDefinition() {
        assertThat(LINUX.serviceFile(Os.LINUX)).isEqualTo(LINUX.systemdUnit());
        assertThat(MACOS.serviceFile(Os.MACOS)).isEqualTo(MACOS.launchdPlist());
        assertThat(LINUX.serviceFile(Os.WINDOWS)).isEqualTo(LINUX.windowsStartupScript());
    }

    private static Arguments path(String name, Function<RuntPaths, Path> which, String expected) {
        return arguments(named(name, which), expected);
    }
}
