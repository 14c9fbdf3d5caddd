package io.runtimed.cli.runtimed;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.DaemonShutdown;
import io.runtimed.paths.RuntPaths;
import io.runtimed.service.InstallLock;
import io.runtimed.service.ServiceException;
import io.runtimed.service.ServiceInstaller;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** DAEMON.md §8, §10: {@code runtimed uninstall}: stop the daemon, remove the service and the installed copy. */
@Command(name = "uninstall", mixinStandardHelpOptions = true,
        description = "Stop the daemon and remove the user service and the installed copy.")
final class UninstallCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RuntPaths paths = RuntPaths.current();
        ServiceInstaller installer = ServiceInstaller.forCurrentPlatform(paths);
        out.println("Uninstalling runtimed service...");
        out.flush();
        try (InstallLock lock = installer.lock()) {
            if (!installer.isInstalled()) {
                out.println("Service not installed.");
                return 0;
            }
            try {
                // the daemon writes every room and the settings before it exits; a clean exit is not
                // restarted by any service manager, and uninstall() stops the service itself next
                DaemonShutdown.stopAndWait(paths, DaemonShutdown.GONE_TIMEOUT);
            } catch (DaemonClientException e) {
                // never delete the files of a daemon that still runs from them
                err.println("Error: the running daemon did not stop (" + e.getMessage() + "); nothing was removed");
                return 1;
            }
            installer.uninstall();
        } catch (ServiceException e) {
            err.println("Error: " + e.getMessage());
            return 1;
        }
        out.println("Service uninstalled successfully.");
        return 0;
    }
}
