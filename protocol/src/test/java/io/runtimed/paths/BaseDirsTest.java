package io.runtimed.paths;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.paths.BaseDirs.Os;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** DAEMON.md §1: base directories with the Rust {@code dirs} crate's rules, from an explicit environment. */
class BaseDirsTest {
    private static final String PASSWD_HOME = "/var/lib/alice-from-passwd";

    @Nested
    class OnLinux {
        @Test
        void withOnlyHomeSetEverythingLivesUnderIt() {
            BaseDirs dirs = BaseDirs.of(Os.LINUX, env("HOME", "/home/alice"), PASSWD_HOME);

            assertThat(dirs.home()).isEqualTo(Path.of("/home/alice"));
            assertThat(dirs.cache()).isEqualTo(Path.of("/home/alice/.cache"));
            assertThat(dirs.config()).isEqualTo(Path.of("/home/alice/.config"));
            assertThat(dirs.dataLocal()).isEqualTo(Path.of("/home/alice/.local/share"));
        }

        @Test
        void absoluteXdgDirectoriesAreUsed() {
            BaseDirs dirs = BaseDirs.of(Os.LINUX, env(
                    "HOME", "/home/alice",
                    "XDG_CACHE_HOME", "/fast/cache",
                    "XDG_CONFIG_HOME", "/etc/alice",
                    "XDG_DATA_HOME", "/data/alice"), PASSWD_HOME);

            assertThat(dirs.cache()).isEqualTo(Path.of("/fast/cache"));
            assertThat(dirs.config()).isEqualTo(Path.of("/etc/alice"));
            assertThat(dirs.dataLocal()).isEqualTo(Path.of("/data/alice"));
        }

        @ParameterizedTest(name = "XDG_* = \"{0}\"")
        @ValueSource(strings = {"", "relative/cache", "./cache", "~/cache"})
        void relativeOrEmptyXdgDirectoriesAreIgnored(String value) {
            BaseDirs dirs = BaseDirs.of(Os.LINUX, env(
                    "HOME", "/home/alice",
                    "XDG_CACHE_HOME", value,
                    "XDG_CONFIG_HOME", value,
                    "XDG_DATA_HOME", value), PASSWD_HOME);

            assertThat(dirs.cache()).isEqualTo(Path.of("/home/alice/.cache"));
            assertThat(dirs.config()).isEqualTo(Path.of("/home/alice/.config"));
            assertThat(dirs.dataLocal()).isEqualTo(Path.of("/home/alice/.local/share"));
        }

        @Test
        void eachXdgVariableCountsOnItsOwn() {
            BaseDirs dirs = BaseDirs.of(Os.LINUX, env("HOME", "/home/alice", "XDG_CONFIG_HOME", "/cfg"), PASSWD_HOME);

            assertThat(dirs.cache()).isEqualTo(Path.of("/home/alice/.cache"));
            assertThat(dirs.config()).isEqualTo(Path.of("/cfg"));
            assertThat(dirs.dataLocal()).isEqualTo(Path.of("/home/alice/.local/share"));
        }

        @Test
        void anEmptyHomeFallsBackToThePasswdEntry() {
            BaseDirs dirs = BaseDirs.of(Os.LINUX, env("HOME", ""), PASSWD_HOME);

            assertThat(dirs.home()).isEqualTo(Path.of(PASSWD_HOME));
            assertThat(dirs.cache()).isEqualTo(Path.of(PASSWD_HOME, ".cache"));
        }

        @Test
        void anUnsetHomeFallsBackToThePasswdEntry() {
            BaseDirs dirs = BaseDirs.of(Os.LINUX, env(), PASSWD_HOME);

            assertThat(dirs.home()).isEqualTo(Path.of(PASSWD_HOME));
            assertThat(dirs.config()).isEqualTo(Path.of(PASSWD_HOME, ".config"));
        }

        @Test
        void withNoHomeAtAllTheSpecsFallbacksApply() {
            // DAEMON.md §1: <cache> → /tmp, <config> → . (current directory), <data_local> → /tmp
            BaseDirs dirs = BaseDirs.of(Os.LINUX, env(), null);

            assertThat(dirs.cache()).isEqualTo(Path.of("/tmp"));
            assertThat(dirs.config()).isEqualTo(Path.of("."));
            assertThat(dirs.dataLocal()).isEqualTo(Path.of("/tmp"));
        }

        @Test
        void withNoHomeAnAbsoluteXdgDirectoryStillCounts() {
            BaseDirs dirs = BaseDirs.of(Os.LINUX, env("XDG_CACHE_HOME", "/fast/cache"), null);

            assertThat(dirs.cache()).isEqualTo(Path.of("/fast/cache"));
        }
    }

    @Nested
    class OnMacOs {
        @Test
        void cachesAndApplicationSupportAreUnderLibrary() {
            BaseDirs dirs = BaseDirs.of(Os.MACOS, env("HOME", "/Users/alice"), PASSWD_HOME);

            assertThat(dirs.cache()).isEqualTo(Path.of("/Users/alice/Library/Caches"));
            assertThat(dirs.config()).isEqualTo(Path.of("/Users/alice/Library/Application Support"));
            assertThat(dirs.dataLocal()).isEqualTo(Path.of("/Users/alice/Library/Application Support"));
        }

        @Test
        void xdgVariablesAreIgnored() {
            BaseDirs dirs = BaseDirs.of(Os.MACOS, env(
                    "HOME", "/Users/alice",
                    "XDG_CACHE_HOME", "/fast/cache",
                    "XDG_CONFIG_HOME", "/cfg",
                    "XDG_DATA_HOME", "/data"), PASSWD_HOME);

            assertThat(dirs.cache()).isEqualTo(Path.of("/Users/alice/Library/Caches"));
            assertThat(dirs.config()).isEqualTo(Path.of("/Users/alice/Library/Application Support"));
            assertThat(dirs.dataLocal()).isEqualTo(Path.of("/Users/alice/Library/Application Support"));
        }

        @Test
        void anEmptyHomeFallsBackToThePasswdEntry() {
            BaseDirs dirs = BaseDirs.of(Os.MACOS, env("HOME", ""), "/Users/bob");

            assertThat(dirs.cache()).isEqualTo(Path.of("/Users/bob/Library/Caches"));
        }
    }

    @Nested
    class OnWindows {
        private static final String LOCAL = "C:\\Users\\alice\\AppData\\Local";
        private static final String ROAMING = "C:\\Users\\alice\\AppData\\Roaming";

        @Test
        void localAppDataIsCacheAndDataLocalWhileAppDataIsConfig() {
            BaseDirs dirs = BaseDirs.of(Os.WINDOWS, env(
                    "USERPROFILE", "C:\\Users\\alice", "LOCALAPPDATA", LOCAL, "APPDATA", ROAMING), null);

            assertThat(dirs.home()).isEqualTo(Path.of("C:\\Users\\alice"));
            assertThat(dirs.cache()).isEqualTo(Path.of(LOCAL));
            assertThat(dirs.config()).isEqualTo(Path.of(ROAMING));
            assertThat(dirs.dataLocal()).isEqualTo(Path.of(LOCAL));
        }

        @Test
        void xdgVariablesAreIgnored() {
            BaseDirs dirs = BaseDirs.of(Os.WINDOWS, env(
                    "USERPROFILE", "C:\\Users\\alice", "LOCALAPPDATA", LOCAL, "APPDATA", ROAMING,
                    "XDG_CACHE_HOME", "/fast/cache", "XDG_CONFIG_HOME", "/cfg"), null);

            assertThat(dirs.cache()).isEqualTo(Path.of(LOCAL));
            assertThat(dirs.config()).isEqualTo(Path.of(ROAMING));
        }
    }

    private static Map<String, String> env(String... keyValues) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            env.put(keyValues[i], keyValues[i + 1]);
        }
        return env;
    }
}
