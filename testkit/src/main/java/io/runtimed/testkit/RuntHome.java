package io.runtimed.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.client.ProcessLiveness;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.FileTrees;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.EnvType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A private user for one test: HOME, XDG_CACHE_HOME, XDG_CONFIG_HOME and XDG_DATA_HOME inside a temp
 * dir, so that every daemon and CLI a test starts sees its own {@code <cache>/runt} (DAEMON.md §1–2).
 * Closing it kills whatever process still runs with this environment (a detached daemon included),
 * so nothing a test started outlives it; a {@link #temporary} home is deleted too.
 */
public final class RuntHome implements AutoCloseable {
    /** Linux sun_path is 108 bytes; stay well below it. */
    private static final int MAX_SOCKET_PATH = 100;
    private static final Duration KILLED_GONE = Duration.ofSeconds(10);

    private final Path root;
    private final Path home;
    private final Path cache;
    private final Path config;
    private final Path data;
    private final boolean ownsRoot;

    private RuntHome(Path root, boolean ownsRoot) {
        this.root = root.toAbsolutePath();
        this.ownsRoot = ownsRoot;
        this.home = this.root.resolve("home");
        this.cache = this.root.resolve("cache");
        this.config = this.root.resolve("config");
        this.data = this.root.resolve("data");
    }

    /** A home under {@code tempDir} (a JUnit {@code @TempDir}); the directories are created, runt/ is not. */
    public static RuntHome in(Path tempDir) {
        return create(tempDir, false);
    }

    /**
     * A home in a new temporary directory that {@link #close()} deletes, for code that has no JUnit
     * {@code @TempDir} (the benches, a test class sharing one daemon).
     */
    public static RuntHome temporary(String prefix) {
        try {
            return create(Files.createTempDirectory(prefix), true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RuntHome create(Path dir, boolean ownsRoot) {
        RuntHome h = new RuntHome(dir, ownsRoot);
        try {
            Files.createDirectories(h.home);
            Files.createDirectories(h.cache);
            Files.createDirectories(h.config);
            Files.createDirectories(h.data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(h.defaultSocket().toString().getBytes(StandardCharsets.UTF_8).length)
                .as("socket path %s must fit in sun_path", h.defaultSocket())
                .isLessThan(MAX_SOCKET_PATH);
        return h;
    }

    /** The temp dir itself, for files a test keeps next to (not inside) the runt dirs. */
    public Path root() {
        return root;
    }

    public Path home() {
        return home;
    }

    public Path cache() {
        return cache;
    }

    public Path config() {
        return config;
    }

    /** The variables that point a child process at this home; everything else is inherited. */
    public Map<String, String> env() {
        return Map.of(
                "HOME", home.toString(),
                "XDG_CACHE_HOME", cache.toString(),
                "XDG_CONFIG_HOME", config.toString(),
                "XDG_DATA_HOME", data.toString(),
                // kernels' connection files stay in this home whatever the machine's XDG_RUNTIME_DIR
                "JUPYTER_RUNTIME_DIR", data.resolve("jupyter").resolve("runtime").toString());
    }

    /** The environment of a child: this process's, minus log-level overrides, plus {@link #env()}. */
    public Map<String, String> childEnv(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.remove("RUNTIMED_LOG");
        env.remove("RUST_LOG");
        String path = env.get("PATH");
        if (path != null) {
            env.put("PATH", withoutPyenvShims(path, env.get("PYENV_ROOT")));
        }
        env.putAll(env());
        env.putAll(extra);
        return env;
    }

    /**
     * {@code path} without pyenv's shim directory: the commands that list the machine's runtimes
     * (runtimed status, runt pool info, doctor) run each {@code python3.N} they find, and every
     * pyenv shim is a bash program that costs about a second of CPU, several seconds of a test on
     * 2 cores. The tests' environments are built from Debian's /usr/bin/python3 by its full path
     * (bin/test installs it); a test that looks for python3 on PATH finds that one.
     */
    static String withoutPyenvShims(String path, String pyenvRoot) {
        Path shims = pyenvRoot == null ? null : Path.of(pyenvRoot, "shims").normalize();
        return java.util.Arrays.stream(path.split(":", -1))
                .filter(dir -> dir.isEmpty() || !isShims(Path.of(dir).normalize(), shims))
                .collect(java.util.stream.Collectors.joining(":"));
    }

    private static boolean isShims(Path dir, Path shims) {
        return dir.equals(shims) || dir.endsWith(Path.of(".pyenv", "shims"));
    }

    /** The paths the daemon and the CLIs compute for this home. */
    public RuntPaths paths() {
        return new RuntPaths(BaseDirs.of(BaseDirs.Os.LINUX, env(), home.toString()));
    }

    public Path runtDir() {
        return paths().runtDir();
    }

    public Path defaultSocket() {
        return paths().defaultSocket();
    }

    public Path infoFile() {
        return paths().infoFile();
    }

    public Path lockFile() {
        return paths().lockFile();
    }

    public Path logFile() {
        return paths().logFile();
    }

    public Path envRoot() {
        return paths().defaultEnvRoot();
    }

    /** {@code <cache>/runt/notebook-docs}: one {@code <sha256 of the id>.automerge} per notebook room. */
    public Path notebookDocsDir() {
        return paths().notebookDocsDir();
    }

    /** {@code <cache>/runt/settings.automerge}: the settings document. */
    public Path settingsDoc() {
        return paths().settingsDoc();
    }

    /** {@code <config>/runt-notebook/settings.json}: the settings mirror users edit by hand. */
    public Path settingsJson() {
        return paths().settingsJson();
    }

    /** {@code <config>/runt-notebook/settings.schema.json}, written at every start. */
    public Path settingsSchema() {
        return paths().settingsSchema();
    }

    /** daemon.json as text, or empty when it does not exist. */
    public Optional<String> infoFileText() {
        try {
            return Optional.of(Files.readString(infoFile(), StandardCharsets.UTF_8));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The daemon log's lines (empty if there is no log yet). */
    public List<String> logLines() {
        try {
            return Files.exists(logFile()) ? Files.readAllLines(logFile(), StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The daemon log as one text ("" if there is no log yet): it only grows, so a length marks a point in it. */
    public String logText() {
        try {
            return Files.exists(logFile()) ? Files.readString(logFile(), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A finished environment as the warmer leaves it (POOL.md §3): {@code envs/runtimed-<type>-<uuid>/}
     * with {@code bin/python} and the {@code .warmed} marker. Returns its absolute directory.
     */
    public Path placeEnv(EnvType type) {
        return placeEnv(type, 0);
    }

    /** As {@link #placeEnv(EnvType)}, with {@code extraFiles} more files inside (to make deleting it slow). */
    public Path placeEnv(EnvType type, int extraFiles) {
        return placeEnvUnder(envRoot(), type, extraFiles);
    }

    /** An environment-shaped directory anywhere, e.g. outside the env root. */
    public static Path placeEnvUnder(Path parent, EnvType type, int extraFiles) {
        Path dir = parent.resolve("runtimed-" + type.wireName() + "-" + UUID.randomUUID());
        try {
            Files.createDirectories(dir.resolve("bin"));
            Files.writeString(dir.resolve("bin").resolve("python"), "#!/bin/sh\n");
            Files.writeString(dir.resolve(".warmed"), "");
            if (extraFiles > 0) {
                Path lib = Files.createDirectories(dir.resolve("lib"));
                for (int i = 0; i < extraFiles; i++) {
                    Files.createFile(lib.resolve("f" + i));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** Live processes whose environment points at this home (daemons, launchers, CLIs), found through /proc. */
    public List<ProcessHandle> processes() {
        String marker = "XDG_CACHE_HOME=" + cache;
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> environOf(p.pid()).contains(marker))
                .collect(Collectors.toList());
    }

    /** Live {@code runtimed} processes of this home. */
    public List<ProcessHandle> daemonProcesses() {
        return processes().stream()
                .filter(p -> procFile(p.pid(), "cmdline").contains(JavaProcess.RUNTIMED_MAIN))
                .collect(Collectors.toList());
    }

    private static List<String> environOf(long pid) {
        return List.of(procFile(pid, "environ").split("\0"));
    }

    /** /proc/<pid>/<name> as text (NUL separators kept), or "" if the process is gone or not ours. */
    static String procFile(long pid, String name) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), name)), StandardCharsets.UTF_8);
        } catch (IOException | SecurityException e) {
            return "";
        }
    }

    /**
     * Kills every process still running with this home's environment and waits for it to go; then
     * deletes a {@link #temporary} home.
     */
    @Override
    public void close() {
        // a process killed in one round may have started another just before (a daemon starting a
        // pool build): look again until none is left; each round only sees what the last one missed
        for (int round = 0; round < 10; round++) {
            List<ProcessHandle> left = processes();
            if (left.isEmpty()) {
                break;
            }
            for (ProcessHandle p : left) {
                p.destroyForcibly();
            }
            for (ProcessHandle p : left) {
                // not onExit(): for a process that is not our child (a detached daemon) it polls every
                // 300 ms and counts a zombie as alive, and in a container init may take seconds to reap
                // one; a killed zombie holds no lock, file or socket any more. If it is unkillable there
                // is nothing more a test can do.
                ProcessLiveness.awaitExit(p.pid(), KILLED_GONE);
            }
        }
        if (ownsRoot) {
            try {
                FileTrees.deleteTree(root);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + root, e);
            }
        }
    }

    /** How long tests wait for anything a daemon should do promptly. */
    public static final Duration PROMPTLY = Duration.ofSeconds(15);
}
