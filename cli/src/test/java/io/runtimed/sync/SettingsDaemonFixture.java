package io.runtimed.sync;

import static org.awaitility.Awaitility.await;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.PoolClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real runtimed process in a private home ({@code HOME}, {@code XDG_CACHE_HOME},
 * {@code XDG_CONFIG_HOME} under a temporary directory), started the way a user starts it, with
 * empty pools unless told otherwise; ready once it answers ping. Also runs {@code runt} commands
 * against it. Closing shuts it down (and kills it if it does not go).
 */
public final class SettingsDaemonFixture implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    private final Path home;
    private final Map<String, String> env;
    private final List<String> extraArgs;
    private Process process;

    private SettingsDaemonFixture(Path home, Map<String, String> extraEnv, List<String> extraArgs) {
        this.home = home;
        this.env = new HashMap<>(extraEnv);
        env.put("HOME", home.toString());
        env.put("XDG_CACHE_HOME", home.resolve("cache").toString());
        env.put("XDG_CONFIG_HOME", home.resolve("config").toString());
        env.put("XDG_DATA_HOME", home.resolve("data").toString());
        env.remove("RUNTIMED_LOG");
        env.remove("RUST_LOG");
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** A daemon with pool sizes 0/0 in {@code home}. */
    public static SettingsDaemonFixture start(Path home) throws IOException {
        return start(home, Map.of(), List.of("--uv-pool-size", "0", "--conda-pool-size", "0"));
    }

    /** A daemon in {@code home} with extra environment and {@code runtimed run} arguments. */
    public static SettingsDaemonFixture start(Path home, Map<String, String> extraEnv, List<String> args)
            throws IOException {
        SettingsDaemonFixture f = new SettingsDaemonFixture(home, extraEnv, args);
        f.startProcess();
        return f;
    }

    /** A fixture whose daemon is not started: for commands that must find no daemon. */
    public static SettingsDaemonFixture withoutDaemon(Path home) {
        return new SettingsDaemonFixture(home, Map.of(), List.of());
    }

    private void startProcess() throws IOException {
        List<String> cmd = new ArrayList<>(java("io.runtimed.cli.RuntimedMain"));
        cmd.add("run");
        cmd.addAll(extraArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.appendTo(home.resolve("daemon.stderr").toFile()));
        Files.createDirectories(home);
        pb.environment().putAll(env);
        process = pb.start();
        PoolClient client = new PoolClient(socket(), Duration.ofMillis(200), Duration.ofSeconds(2));
        await().atMost(READY_TIMEOUT).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("runtimed exited with " + process.exitValue() + ": " + stderr());
            }
            try {
                client.ping();
                return true;
            } catch (DaemonClientException e) {
                return false;
            }
        });
    }

    /** Stops the daemon (shutdown request) and waits for its exit. */
    public void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        try {
            new PoolClient(socket()).shutdown();
        } catch (DaemonClientException e) {
            process.destroy();
        }
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        process = null;
    }

    /** Starts a new daemon in the same home (after {@link #stop()}). */
    public void restart() throws IOException, InterruptedException {
        stop();
        startProcess();
    }

    public Path home() {
        return home;
    }

    public Path socket() {
        return home.resolve("cache/runt/runtimed.sock");
    }

    public Path settingsAutomerge() {
        return home.resolve("cache/runt/settings.automerge");
    }

    public Path settingsJson() {
        return home.resolve("config/runt-notebook/settings.json");
    }

    public Path schemaFile() {
        return home.resolve("config/runt-notebook/settings.schema.json");
    }

    /** The daemon's log file (DaemonLogging writes it next to the socket). */
    public String log() throws IOException {
        Path log = home.resolve("cache/runt/runtimed.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    public String stderr() {
        try {
            Path err = home.resolve("daemon.stderr");
            return Files.exists(err) ? Files.readString(err, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Runs {@code runt ARGS} with this home and waits for it. */
    public Result runt(String... args) throws IOException, InterruptedException {
        Process p = runtProcess(args);
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("runt " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), out, err);
    }

    /** Starts {@code runt ARGS} (for commands that run until something happens, like watch). */
    public Process runtProcess(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(java("io.runtimed.cli.RuntMain"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        return pb.start();
    }

    /** What a command printed and its exit status. */
    public record Result(int exit, String out, String err) {
    }

    private static List<String> java(String main) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dfile.encoding=UTF-8",
                "-cp", System.getProperty("java.class.path"), main);
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            try {
                stop();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
