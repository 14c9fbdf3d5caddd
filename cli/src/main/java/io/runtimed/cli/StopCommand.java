package io.runtimed.cli;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.PoolClient;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import java.io.PrintWriter;
import java.nio.file.Files;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.DaemonInfoFile;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code runtimed stop}: asks the daemon on the default socket to shut down and waits until it is
 * gone. A clean exit is not restarted by the service managers (systemd restarts on failure only,
 * launchd on crash only), so this stops a service-run daemon and a hand-started one alike.
 */
@Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the running daemon.")
final class StopCommand implements Callable<Integer> {
    private static final Duration GONE_TIMEOUT = Duration.ofSeconds(15);

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RuntPaths paths = RuntPaths.current();
        PoolClient client = PoolClient.forDefaultSocket();
        boolean installed = Files.exists(paths.serviceFile(BaseDirs.currentOs()));
        boolean running;
        try {
            client.ping();
            running = true;
        } catch (DaemonClientException e) {
            running = false;
        }
        if (!running && !installed) {
            err.println("Service not installed.");
            return 1;
        }
        out.println("Stopping runtimed service...");
        if (running) {
            long pid = new DaemonInfoFile(paths.infoFile()).read().map(DaemonInfo::pid).orElse(-1L);
            try {
                client.shutdown();
            } catch (DaemonClientException e) {
                err.println("Error: Failed to stop service: " + e.getMessage());
                return 1;
            }
            if (!awaitExit(pid)) {
                err.println("Error: Failed to stop service: the daemon did not exit within "
                        + GONE_TIMEOUT.toSeconds() + " s");
                return 1;
            }
        }
        out.println("Service stopped.");
        return 0;
    }

    /** Waits for the daemon process itself to end (its socket and daemon.json are gone by then). */
    private static boolean awaitExit(long pid) throws InterruptedException {
        if (pid <= 0) {
            return true;
        }
        try {
            ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(GONE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join());
            return true;
        } catch (java.util.concurrent.CompletionException e) {
            return false;
        }
    }
}
