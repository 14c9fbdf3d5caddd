package io.runtimed.cli;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.PoolClient;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code runtimed run} process in a temporary home (TESTS.md: temp socket, lock dir, env
 * root, notebook-docs dir; pool sizes 0/0), ready when a ping answers (every 50 ms, up to 10 s).
 * Restartable on the same home; {@link #kill9()} kills it without any shutdown.
 */
final class NotebookDaemonProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
    private final Path home;
    private final Path socket;
    private Process process;
    private int starts;

    private NotebookDaemonProcess(Path home) {
        this.home = home;
        this.socket = home.resolve("cache").resolve("runt").resolve("runtimed.sock");
    }

    /** Starts a daemon whose home is {@code home} (created if needed). */
    public static NotebookDaemonProcess start(Path home) throws IOException, InterruptedException {
        NotebookDaemonProcess d = new NotebookDaemonProcess(home);
        d.startAgain();
        return d;
    }

    /** Starts the daemon again on the same home (after {@link #stop()} or {@link #kill9()}). */
    public void startAgain() throws IOException, InterruptedException {
        Files.createDirectories(home);
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", classpath,
                "io.runtimed.cli.RuntimedMain", "run", "--socket", socket.toString(),
                "--uv-pool-size", "0", "--conda-pool-size", "0", "--max-env-age-s", "3600"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env());
        starts++;
        File log = home.resolve("daemon-" + starts + ".log").toFile();
        pb.redirectErrorStream(true).redirectOutput(log);
        process = pb.start();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        PoolClient pool = pool();
        while (true) {
            try {
                pool.ping();
                return;
            } catch (DaemonClientException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("daemon did not start: " + Files.readString(log.toPath()), e);
                }
                process.waitFor(50, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** The environment a runt CLI needs to find this daemon (its home). */
    public Map<String, String> env() {
        return Map.of("HOME", home.toString(), "XDG_CACHE_HOME", home.resolve("cache").toString(),
                "XDG_CONFIG_HOME", home.resolve("config").toString(), "XDG_DATA_HOME", home.resolve("data").toString());
    }

    public Path home() {
        return home;
    }

    public Path socket() {
        return socket;
    }

    public Path notebookDocsDir() {
        return home.resolve("cache").resolve("runt").resolve("notebook-docs");
    }

    public PoolClient pool() {
        return new PoolClient(socket, Duration.ofMillis(500), Duration.ofSeconds(10));
    }

    public long pid() {
        return process.pid();
    }

    /** kill -9: no shutdown, no flush. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** A Shutdown request, then waits for the process to exit. */
    public void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            pool().shutdown();
        } catch (DaemonClientException e) {
            process.destroy();
        }
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    public String log() throws IOException {
        return Files.readString(home.resolve("daemon-" + starts + ".log"));
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
