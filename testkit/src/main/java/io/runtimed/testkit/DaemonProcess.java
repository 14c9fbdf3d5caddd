package io.runtimed.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.PoolClient;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.DaemonInfoFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A real {@code runtimed run} process in a {@link RuntHome}: started with this build's class path
 * (or through a launcher such as {@code bin/runtimed}), stdout and stderr captured to files, and
 * considered started once its socket answers ping and daemon.json names its pid. Closing it kills
 * the process if it still runs, so no daemon outlives the test that started it; a JVM shutdown hook
 * covers a test that forgot to close it. {@link #startAgain()} starts the same daemon again in the
 * same home, after a {@link #stop()}, {@link #terminate()} or {@link #kill9()}.
 */
public final class DaemonProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "kill-leftover-daemons"));
    }

    private final Builder options;
    private final RuntHome home;
    private final Process process;
    private final Path socket;
    private final Path stdoutFile;
    private final Path stderrFile;
    private final String commandLine;
    private final long launchedNanos;
    private long firstPongNanos;

    private DaemonProcess(Builder options, Process process, Path stdoutFile, Path stderrFile, String commandLine,
                          long launchedNanos) {
        this.options = options;
        this.home = options.home;
        this.process = process;
        this.socket = options.socket != null ? options.socket : home.defaultSocket();
        this.stdoutFile = stdoutFile;
        this.stderrFile = stderrFile;
        this.commandLine = commandLine;
        this.launchedNanos = launchedNanos;
    }

    /** Options for a daemon in {@code home}; pool sizes default to 0 so that nothing is ever built. */
    public static Builder in(RuntHome home) {
        return new Builder(home);
    }

    /** A daemon in {@code home} with every default but empty pools. */
    public static DaemonProcess start(RuntHome home) {
        return in(home).start();
    }

    public static final class Builder {
        private final RuntHome home;
        private int uvPoolSize;
        private int condaPoolSize;
        /** Tests keep no running kernels unless they ask: a pooled kernel takes an environment. */
        private int kernelPoolSize;
        private boolean build;
        private Path socket;
        private boolean runSubcommand = true;
        private boolean stderrToLogFile;
        private Path launcher;
        private Duration readyTimeout = READY_TIMEOUT;
        private Duration pollInterval = POLL;
        private final List<String> globalArgs = new ArrayList<>();
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();

        private Builder(RuntHome home) {
            this.home = home;
        }

        public Builder uvPoolSize(int n) {
            this.uvPoolSize = n;
            return this;
        }

        public Builder condaPoolSize(int n) {
            this.condaPoolSize = n;
            return this;
        }

        /** {@code --kernel-pool-size N} (0 unless set, unlike a user's daemon). */
        public Builder kernelPoolSize(int n) {
            this.kernelPoolSize = n;
            return this;
        }

        /** {@code --kernel-keep-alive-ms}. */
        public Builder kernelKeepAlive(Duration keepAlive) {
            return args("--kernel-keep-alive-ms", Long.toString(keepAlive.toMillis()));
        }

        /**
         * Let the daemon build environments with the tools it finds. Without this, a daemon with
         * non-empty pools is pointed at uv and conda binaries that do not exist, so its pools hold
         * only the environments a test placed on disk.
         */
        public Builder buildEnvironments() {
            this.build = true;
            return this;
        }

        /** {@code --socket PATH}: the endpoint moves, the lock and daemon.json do not. */
        public Builder socket(Path path) {
            this.socket = path;
            return this;
        }

        public Builder handshakeTimeoutMs(long ms) {
            return args("--handshake-timeout-ms", Long.toString(ms));
        }

        public Builder logLevel(String level) {
            return args("--log-level", level);
        }

        public Builder args(String... more) {
            args.addAll(List.of(more));
            return this;
        }

        /** A bare {@code runtimed [options]}: DAEMON.md §8 says no subcommand means {@code run}. */
        public Builder withoutRunSubcommand() {
            this.runSubcommand = false;
            return this;
        }

        /** Arguments before the {@code run} subcommand, e.g. {@code --log-level debug}. */
        public Builder globalArgs(String... more) {
            globalArgs.addAll(List.of(more));
            return this;
        }

        /** stderr appended to the daemon's own log file, as launchd's plist arranges it (DAEMON.md §10). */
        public Builder stderrToLogFile() {
            this.stderrToLogFile = true;
            return this;
        }

        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /**
         * Start through {@code executable} (e.g. {@code bin/runtimed}, or an installed copy) instead
         * of a JVM with this process's class path: the daemon a user starts. The launcher must end
         * in the daemon's JVM with {@code exec}, so that the pid started is the pid that answers.
         */
        public Builder launcher(Path executable) {
            this.launcher = executable;
            return this;
        }

        /** How long {@link #start()} waits for the daemon to answer (default 15 s). */
        public Builder readyWithin(Duration timeout) {
            this.readyTimeout = timeout;
            return this;
        }

        /**
         * How often {@link #start()} pings while it waits (default 20 ms). A bench that times the
         * start ({@link DaemonProcess#startToFirstPong()}) polls finely, e.g. every 0.5 ms.
         */
        public Builder pollEvery(Duration interval) {
            this.pollInterval = interval;
            return this;
        }

        /** The full argument list after the main class. */
        List<String> arguments() {
            List<String> all = new ArrayList<>(globalArgs);
            if (runSubcommand) {
                all.add("run");
                all.addAll(List.of("--kernel-pool-size", Integer.toString(kernelPoolSize)));
            }
            all.addAll(List.of("--uv-pool-size", Integer.toString(uvPoolSize),
                    "--conda-pool-size", Integer.toString(condaPoolSize)));
            if (!build && (uvPoolSize > 0 || condaPoolSize > 0)) {
                all.addAll(List.of("--uv", home.root().resolve("no-such-uv").toString(),
                        "--conda", home.root().resolve("no-such-conda").toString()));
            }
            if (socket != null) {
                all.add("--socket");
                all.add(socket.toString());
            }
            all.addAll(args);
            return all;
        }

        /** Starts the daemon and waits until it answers ping and daemon.json names it. */
        public DaemonProcess start() {
            DaemonProcess d = launch();
            d.awaitReady(readyTimeout, pollInterval);
            return d;
        }

        /** Starts the process without waiting for anything (for daemons expected to refuse). */
        public DaemonProcess launch() {
            int n = COUNTER.incrementAndGet();
            Path out = home.root().resolve("daemon-" + n + ".out");
            Path err = home.root().resolve("daemon-" + n + ".err");
            List<String> cmd = new ArrayList<>();
            if (launcher != null) {
                cmd.add(launcher.toString());
                cmd.addAll(arguments());
            } else {
                cmd.addAll(JavaProcess.command(JavaProcess.RUNTIMED_MAIN, arguments()));
            }
            ProcessBuilder pb = new ProcessBuilder(cmd)
                    .directory(home.root().toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(stderrToLogFile ? ProcessBuilder.Redirect.appendTo(home.logFile().toFile())
                            : ProcessBuilder.Redirect.to(err.toFile()));
            pb.environment().clear();
            pb.environment().putAll(home.childEnv(env));
            Process p;
            long launched = System.nanoTime();
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + JavaProcess.describe(cmd), e);
            }
            LIVE.add(p);
            p.onExit().thenRun(() -> LIVE.remove(p));
            return new DaemonProcess(this, p, out, err, JavaProcess.describe(cmd), launched);
        }
    }

    /**
     * A deadline loop rather than Awaitility: the benches time the start with it, and parking is
     * exact to well below a millisecond where a sleep rounds up to one.
     */
    private void awaitReady(Duration timeout, Duration poll) {
        String what = "daemon " + commandLine + " answers ping and has written daemon.json";
        long deadline = launchedNanos + timeout.toNanos();
        try {
            while (true) {
                if (!process.isAlive()) {
                    throw new AssertionError(what + ", but it exited before it was ready: exit status "
                            + process.exitValue() + "\nstderr:\n" + stderr());
                }
                if (firstPongNanos == 0 && answersPing()) {
                    firstPongNanos = System.nanoTime();
                }
                if (firstPongNanos != 0 && info().map(i -> i.pid() == pid()).orElse(false)) {
                    return;
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError(what + ": not within " + timeout.toMillis() + " ms (pong "
                            + (firstPongNanos != 0 ? "seen" : "never seen") + ")\nstderr:\n" + stderr());
                }
                LockSupport.parkNanos(poll.toNanos());
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /**
     * A new daemon in the same home with the same options, e.g. to see what survives a restart;
     * this one must have ended ({@link #stop()}, {@link #terminate()}, {@link #kill9()}).
     */
    public DaemonProcess startAgain() {
        if (process.isAlive()) {
            throw new IllegalStateException(this + " still runs: stop it before starting it again");
        }
        return options.start();
    }

    /**
     * From just before the process was started to the first ping it answered: the benches' cold
     * start to first pong. Only known for a daemon that {@link Builder#start()} waited for.
     */
    public Duration startToFirstPong() {
        if (firstPongNanos == 0) {
            throw new IllegalStateException("no pong seen from " + this);
        }
        return Duration.ofNanos(firstPongNanos - launchedNanos);
    }

    public RuntHome home() {
        return home;
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    /** The endpoint this daemon listens on. */
    public Path socket() {
        return socket;
    }

    /** {@code <cache>/runt}: lock, daemon.json, log (and by default the socket and envs). */
    public Path runtDir() {
        return home.runtDir();
    }

    public Optional<DaemonInfo> info() {
        return new DaemonInfoFile(home.infoFile()).read();
    }

    /** A client with short timeouts for this daemon's socket. */
    public PoolClient client() {
        return new PoolClient(socket, PING_TIMEOUT, Duration.ofSeconds(10));
    }

    /** True if a ping on a new connection gets pong. */
    public boolean answersPing() {
        try {
            new PoolClient(socket, PING_TIMEOUT, PING_TIMEOUT).ping();
            return true;
        } catch (DaemonClientException e) {
            return false;
        }
    }

    public String stdout() {
        return read(stdoutFile);
    }

    public String stderr() {
        return read(stderrFile);
    }

    /** {@code <cache>/runt/runtimed.log} (shared by every daemon of the home). */
    public List<String> logLines() {
        return home.logLines();
    }

    /** {@code <cache>/runt/runtimed.log} as one text (shared by every daemon of the home). */
    public String log() {
        return home.logText();
    }

    /** {@code <cache>/runt/notebook-docs}: where this daemon persists its notebook rooms. */
    public Path notebookDocsDir() {
        return home.notebookDocsDir();
    }

    /**
     * Runs {@code runt args} in this daemon's home and waits for it (the command finds the daemon
     * on the home's default socket, not on a {@link Builder#socket moved} one).
     */
    public Cli.Result runt(String... args) {
        return Cli.runt(home, args);
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the process to end and returns its exit status; fails if it does not end in time. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("daemon pid " + pid() + " still runs after " + timeout.toMillis()
                        + " ms\nstderr:\n" + stderr());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return process.exitValue();
    }

    /** Sends a shutdown request and waits for the exit; returns the exit status. */
    public int stop() {
        try {
            client().shutdown();
        } catch (DaemonClientException e) {
            throw new AssertionError("shutdown request failed: " + e.getMessage(), e);
        }
        return awaitExit(RuntHome.PROMPTLY);
    }

    /** SIGTERM ({@link Process#destroy()}) and wait; returns the exit status. */
    public int terminate() {
        process.destroy();
        return awaitExit(RuntHome.PROMPTLY);
    }

    /** Sends a signal by name with kill(1), e.g. "INT". */
    public void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).as("kill -%s finished", name).isTrue();
            assertThat(kill.exitValue()).as("kill -%s %d", name, pid()).isZero();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** SIGKILL: no cleanup of any kind happens in the daemon. */
    public void kill9() {
        process.destroyForcibly();
        awaitExit(RuntHome.PROMPTLY);
    }

    public boolean isAlive() {
        return process.isAlive();
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

    @Override
    public String toString() {
        return "runtimed pid " + pid() + " on " + socket;
    }
}
