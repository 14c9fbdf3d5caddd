package io.runtimed.paths;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * DAEMON.md §1: the platform base directories with the semantics of Rust's {@code dirs} crate, so
 * that a Rust and a Java peer look in the same places. XDG variables count on Linux only, and only
 * when absolute.
 */
public record BaseDirs(Path home, Path cache, Path config, Path dataLocal) {

    public enum Os { LINUX, MACOS, WINDOWS }

    /** The directories of the running process. */
    public static BaseDirs current() {
        return of(currentOs(), System.getenv(), System.getProperty("user.home"));
    }

    public static Os currentOs() {
        String name = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (name.startsWith("windows")) {
            return Os.WINDOWS;
        }
        if (name.startsWith("mac") || name.startsWith("darwin")) {
            return Os.MACOS;
        }
        return Os.LINUX;
    }

    /**
     * {@code home}, {@code cache}, {@code config} and {@code data} under {@code root}: a private
     * home for a daemon that must not touch the user's (tests, benches, start-up training).
     */
    public static BaseDirs under(Path root) {
        return new BaseDirs(root.resolve("home"), root.resolve("cache"), root.resolve("config"), root.resolve("data"));
    }

    /** Resolves the directories from an explicit OS, environment and passwd home (for tests). */
    public static BaseDirs of(Os os, Map<String, String> env, String passwdHome) {
        String homeVar = os == Os.WINDOWS ? env.get("USERPROFILE") : env.get("HOME");
        String homeText = homeVar != null && !homeVar.isEmpty() ? homeVar
                : passwdHome != null && !passwdHome.isEmpty() ? passwdHome : null;
        if (homeText == null && os == Os.LINUX) {
            // DAEMON.md §1: no home at all: cache and data in /tmp, config in the working directory
            Path tmp = Path.of("/tmp");
            return new BaseDirs(tmp, xdg(env, "XDG_CACHE_HOME", tmp), xdg(env, "XDG_CONFIG_HOME", Path.of(".")),
                    xdg(env, "XDG_DATA_HOME", tmp));
        }
        Path home = Path.of(homeText != null ? homeText : "/");
        switch (os) {
            case MACOS:
                Path support = home.resolve("Library").resolve("Application Support");
                return new BaseDirs(home, home.resolve("Library").resolve("Caches"), support, support);
            case WINDOWS:
                Path local = windowsDir(env, "LOCALAPPDATA", home.resolve("AppData").resolve("Local"));
                Path roaming = windowsDir(env, "APPDATA", home.resolve("AppData").resolve("Roaming"));
                return new BaseDirs(home, local, roaming, local);
            default:
                return new BaseDirs(home,
                        xdg(env, "XDG_CACHE_HOME", home.resolve(".cache")),
                        xdg(env, "XDG_CONFIG_HOME", home.resolve(".config")),
                        xdg(env, "XDG_DATA_HOME", home.resolve(".local").resolve("share")));
        }
    }

    private static Path xdg(Map<String, String> env, String name, Path fallback) {
        String value = env.get(name);
        if (value != null && !value.isEmpty()) {
            Path p = Path.of(value);
            if (p.isAbsolute()) {
                return p;
            }
        }
        return fallback;
    }

    private static Path windowsDir(Map<String, String> env, String name, Path fallback) {
        String value = env.get(name);
        return value != null && !value.isEmpty() ? Path.of(value) : fallback;
    }
}
