package io.runtimed.cli.runtimed;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.DaemonReadiness;
import io.runtimed.client.DaemonShutdown;
import io.runtimed.paths.RuntPaths;
import io.runtimed.service.ServiceException;
import io.runtimed.service.ServiceInstaller;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code runtimed stop}: stops the installed service, then makes sure no daemon answers on the
 * default socket: a shutdown request (the daemon persists everything first) and waiting until the
 * process is gone. A clean exit is not restarted by the service managers (systemd restarts on
 * failure only, launchd on crash only), so this stops a service-run daemon and a hand-started one alike.
 */
@Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop the service and the running daemon.")
final class StopCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RuntPaths paths = RuntPaths.current();
        ServiceInstaller installer = ServiceInstaller.forCurrentPlatform(paths);
        boolean installed = installer.isInstalled();
        if (!installed && !DaemonReadiness.answers(paths)) {
            err.println("Service not installed.");
            return 1;
        }
        out.println("Stopping runtimed service...");
        if (installed) {
            try {
                installer.stop();
            } catch (ServiceException e) {
                if (!e.managerUnavailable()) {
                    err.println("Error: " + e.getMessage());
                    return 1;
                }
                // no service manager to ask: the daemon itself is asked below
            }
        }
        try {
            DaemonShutdown.stopAndWait(paths, DaemonShutdown.GONE_TIMEOUT);
        } catch (DaemonClientException e) {
            err.println("Error: Failed to stop service: " + e.getMessage());
            return 1;
        }
        out.println("Service stopped.");
        return 0;
    }
}
