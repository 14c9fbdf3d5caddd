package io.runtimed.cli;

import io.runtimed.client.DaemonShutdown;
import io.runtimed.client.DetachedProcess;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.DaemonInfoFile;
import io.runtimed.service.ServiceException;
import io.runtimed.service.ServiceInstaller;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * DAEMON.md §8: {@code runtimed start}: start the installed service and wait until the daemon
 * answers. Where the service manager is unavailable (no user systemd in a container, say) it says
 * so and runs the installed daemon directly, detached.
 */
@Command(name = "start", mixinStandardHelpOptions = true, description = "Start the installed service.")
final class StartCommand implements Callable<Integer> {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration POLL = Duration.ofMillis(50);

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RuntPaths paths = RuntPaths.current();
        ServiceInstaller installer = ServiceInstaller.forCurrentPlatform(paths);
        if (!installer.isInstalled()) {
            err.println("Service not installed. Run 'runtimed install' first.");
            return 1;
        }
        out.println("Starting runtimed service...");
        try {
            installer.start();
        } catch (ServiceException e) {
            if (!e.managerUnavailable()) {
                err.println("Error: " + e.getMessage());
                return 1;
            }
            out.println(capitalized(e.getMessage()) + ".");
            out.println("Starting " + installer.installedBinary() + " directly instead.");
            out.flush();
            try {
                Files.createDirectories(paths.runtDir());
                DetachedProcess.start(List.of(installer.installedBinary().toString(), "run"));
            } catch (IOException io) {
                err.println("Error: Failed to start service: " + io.getMessage());
                return 1;
            }
        }
        if (!awaitAnswer(paths)) {
            err.println("Error: Failed to start service: the daemon did not answer within "
                    + READY_TIMEOUT.toSeconds() + " s (see " + paths.logFile() + ")");
            return 1;
        }
        out.println("Service started.");
        return 0;
    }

    private static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static boolean awaitAnswer(RuntPaths paths) throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            // "running" as status reports it: the socket answers and daemon.json is written
            if (DaemonShutdown.answers(paths) && new DaemonInfoFile(paths.infoFile()).read().isPresent()) {
                return true;
            }
            Thread.sleep(POLL.toMillis()); // another process's socket: nothing to wait on but time
        }
        return false;
    }
}
