package io.runtimed.blob;

import static org.awaitility.Awaitility.await;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.PoolClient;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code runtimed} JVM in a private home ({@code HOME}, {@code XDG_CACHE_HOME},
 * {@code XDG_CONFIG_HOME} under a temp dir), started with this build's test class path. Closing
 * it kills a daemon that is still running. (Fold into the shared test fixture once one lands.)
 */
final class BlobDaemonProcess implements AutoCloseable {
    private static final Duration READY = Duration.ofSeconds(20);

    private final Path home;
    private final Process process;
    private final Path err;

    private BlobDaemonProcess(Path home, Process process, Path err) {
        this.home = home;
        this.process = process;
        this.err = err;
    }

    /** {@code runtimed run} with empty pools; returns once it answers ping and daemon.json names it. */
    static BlobDaemonProcess start(Path home) throws IOException {
        Path err = home.resolve("daemon.err");
        Process p = builder(home, List.of("run", "--uv-pool-size", "0", "--conda-pool-size", "0"))
                .redirectOutput(home.resolve("daemon.out").toFile())
                .redirectError(err.toFile())
                .start();
        BlobDaemonProcess d = new BlobDaemonProcess(home, p, err);
        try {
            PoolClient client = new PoolClient(socket(home), Duration.ofMillis(500), Duration.ofSeconds(2));
            await("daemon answers ping and has written daemon.json").atMost(READY).pollInterval(Duration.ofMillis(25))
                    .failFast("daemon exited", () -> !p.isAlive())
                    .until(() -> answers(client) && Files.exists(infoFile(home)));
        } catch (RuntimeException | Error e) {
            d.close();
            throw new AssertionError("daemon did not start; stderr:\n" + d.stderr(), e);
        }
        return d;
    }

    /** Runs {@code runtimed <args>} to its end in the same home. */
    static Result run(Path home, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(home, "cli", ".out");
        Path err = Files.createTempFile(home, "cli", ".err");
        Process p = builder(home, List.of(args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("runtimed " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    record Result(int exitCode, String stdout, String stderr) {
    }

    private static ProcessBuilder builder(Path home, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), "io.runtimed.cli.RuntimedMain"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Map<String, String> env = pb.environment();
        env.remove("RUNTIMED_LOG");
        env.remove("RUST_LOG");
        env.put("HOME", home.toString());
        env.put("XDG_CACHE_HOME", home.resolve("cache").toString());
        env.put("XDG_CONFIG_HOME", home.resolve("config").toString());
        env.put("XDG_DATA_HOME", home.resolve("data").toString());
        return pb;
    }

    private static boolean answers(PoolClient client) {
        try {
            client.ping();
            return true;
        } catch (DaemonClientException e) {
            return false;
        }
    }

    static Path runtDir(Path home) {
        return home.resolve("cache").resolve("runt");
    }

    static Path socket(Path home) {
        return runtDir(home).resolve("runtimed.sock");
    }

    static Path infoFile(Path home) {
        return runtDir(home).resolve("daemon.json");
    }

    static Path blobDir(Path home) {
        return runtDir(home).resolve("blobs");
    }

    Path socket() {
        return socket(home);
    }

    String stderr() {
        try {
            return Files.exists(err) ? Files.readString(err) : "";
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** Asks for a shutdown and returns the exit status. */
    int stop() throws Exception {
        new PoolClient(socket(), Duration.ofSeconds(2), Duration.ofSeconds(10)).shutdown();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            throw new AssertionError("daemon still runs after shutdown; stderr:\n" + stderr());
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
