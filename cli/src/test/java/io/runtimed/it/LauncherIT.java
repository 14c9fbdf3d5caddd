package io.runtimed.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.PoolClient;
import io.runtimed.testkit.Cli;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.EnsureDaemonMain;
import io.runtimed.testkit.JavaProcess;
import io.runtimed.testkit.RuntHome;
import io.runtimed.testkit.SystemPackages;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DAEMON.md §9 and issue 2 item 9: {@code DaemonLauncher.ensureDaemonRunning()} from separate
 * processes, as two notebook windows opening at once would call it.
 */
class LauncherIT {
    static final Duration LAUNCH = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    RuntHome home;

    @BeforeEach
    void newHome() {
        home = RuntHome.in(dir);
    }

    /** The spawned daemon is detached, not our child: stop it by request, then by force. */
    @AfterEach
    void stopTheDaemon() {
        for (ProcessHandle daemon : home.daemonProcesses()) {
            try {
                new PoolClient(home.defaultSocket(), Duration.ofSeconds(2), Duration.ofSeconds(5)).shutdown();
            } catch (DaemonClientException e) {
                // not answering: it is killed below
            }
            try {
                daemon.onExit().get(15, TimeUnit.SECONDS);
            } catch (Exception e) {
                daemon.destroyForcibly();
            }
        }
        home.close();
    }

    /** A launcher process whose output lines are collected as they come. */
    final class Launcher {
        final Process process;
        final BufferedReader out;
        final Path err;

        Launcher(boolean barrier) throws IOException {
            err = Files.createTempFile(home.root(), "launcher", ".err");
            ProcessBuilder pb = new ProcessBuilder(JavaProcess.command(EnsureDaemonMain.class.getName(),
                    barrier ? List.of("--barrier") : List.of()))
                    .directory(home.root().toFile())
                    .redirectError(err.toFile());
            pb.environment().putAll(home.env());
            pb.environment().remove("RUNTIMED_LOG");
            pb.environment().remove("RUST_LOG");
            process = pb.start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        String nextLineOrEof() throws Exception {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(LAUNCH.toSeconds(), TimeUnit.SECONDS);
        }

        String nextLine() throws Exception {
            String line = nextLineOrEof();
            assertThat(line).as("a line from launcher pid %d; stderr:\n%s", process.pid(), stderr()).isNotNull();
            return line;
        }

        void release() throws IOException {
            OutputStream in = process.getOutputStream();
            in.write('\n');
            in.flush();
        }

        /** Waits for the exit; returns the pid it printed. */
        long awaitPid() throws Exception {
            String pid = nextLine();
            assertThat(process.waitFor(LAUNCH.toSeconds(), TimeUnit.SECONDS)).as("launcher finished").isTrue();
            assertThat(process.exitValue()).as("launcher exit status; stderr:\n%s", stderr()).isZero();
            return Long.parseLong(pid.trim());
        }

        String stderr() throws IOException {
            return Files.readString(err);
        }
    }

    @Test
    void twoAppsEnsuringADaemonAtTheSameMomentEndWithOneDetachedDaemon() throws Exception {
        SystemPackages.requireSetsid(); // without it the daemon is detached but leads no session of its own
        List<Launcher> launchers = List.of(new Launcher(true), new Launcher(true));
        for (Launcher l : launchers) {
            assertThat(l.nextLine()).isEqualTo("ready");
        }
        // both JVMs are up and waiting: release them together
        for (Launcher l : launchers) {
            l.release();
        }
        List<Long> pids = new ArrayList<>();
        for (Launcher l : launchers) {
            pids.add(l.awaitPid());
        }

        assertThat(pids.get(0)).as("both launchers name the same daemon").isEqualTo(pids.get(1));
        long pid = pids.get(0);
        for (Launcher l : launchers) {
            assertThat(l.process.isAlive()).isFalse();
            assertThat(l.nextLineOrEof()).as("the daemon does not hold the app's stdout open").isNull();
        }

        assertThat(ProcessHandle.of(pid)).as("daemon pid %d", pid).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
        await("a daemon that lost the lock race has exited").atMost(LAUNCH)
                .until(() -> home.daemonProcesses().stream().map(ProcessHandle::pid).toList(), ps -> ps.equals(List.of(pid)));
        assertThat(new PoolClient(home.defaultSocket()).status()).as("the daemon outlives its launchers").isNotNull();
        assertThat(Proc.sessionOf(pid)).as("the daemon leads its own session (setsid)").isEqualTo(pid);

        Cli.Result info = Cli.runt(home, "pool", "info");
        assertThat(info.exitCode()).as("%s", info).isZero();
        assertThat(info.stdoutLines()).contains("PID:        " + pid);

        assertThat(home.logFile()).as("the detached daemon logs to <cache>/runt/runtimed.log").isRegularFile();
        assertThat(home.logLines()).anyMatch(l -> l.contains("ready (pid " + pid + ")"));
    }

    @Test
    void whenADaemonRunsEnsureReturnsItsPidWithoutStartingAnother() {
        try (DaemonProcess running = DaemonProcess.start(home)) {
            Cli.Result r = Cli.run(home, Map.of(), EnsureDaemonMain.class.getName(), List.of());
            assertThat(r.exitCode()).as("%s", r).isZero();
            assertThat(r.stdout().trim()).isEqualTo(Long.toString(running.pid()));
            assertThat(home.daemonProcesses()).map(ProcessHandle::pid).containsExactly(running.pid());
            assertThat(home.logLines()).filteredOn(l -> l.contains("ready (pid")).as("daemon starts logged").hasSize(1);
        }
    }

    /** /proc facts about a process. */
    static final class Proc {
        private Proc() {
        }

        /** Field 6 of /proc/<pid>/stat: the session id. */
        static long sessionOf(long pid) throws IOException {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // the command name (field 2) is in parentheses and may contain spaces: split after it
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(rest[3]);
        }
    }
}
