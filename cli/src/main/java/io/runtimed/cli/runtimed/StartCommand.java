package io.runtimed.cli.runtimed;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.DaemonReadiness;
import io.runtimed.paths.RuntPaths;
import io.runtimed.service.ServiceException;
import io.runtimed.service.ServiceInstaller;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
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

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
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
            Optional<String> ranDirectly = installer.startOrRunDirectly(paths.runtDir());
            if (ranDirectly.isPresent()) {
                out.println(capitalized(ranDirectly.get()) + ".");
                out.println("Started " + installer.installedBinary() + " directly instead.");
            }
        } catch (ServiceException e) {
            err.println("Error: " + e.getMessage());
            return 1;
        }
        try {
            DaemonReadiness.await(paths, READY_TIMEOUT, info -> true);
        } catch (DaemonClientException e) {
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
}
