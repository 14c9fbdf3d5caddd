package io.runtimed.cli.runtimed;

import io.runtimed.paths.RuntPaths;
import io.runtimed.service.InstallLock;
import io.runtimed.service.ServiceException;
import io.runtimed.service.ServiceInstaller;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** DAEMON.md §8, §10: {@code runtimed install [--binary PATH]}. */
@Command(name = "install", mixinStandardHelpOptions = true,
        description = "Install runtimed as a user service that starts at login "
                + "(copies it to <data_local>/runt and writes the service definition).")
final class InstallCommand implements Callable<Integer> {
    /** Set by bin/.launch: the launcher this JVM was started from. */
    static final String LAUNCHER_PROPERTY = "runtimed.launcher";
    @Spec
    CommandSpec spec;

    @Option(names = "--binary", paramLabel = "PATH",
            description = "what to install: a runtimed launcher (its whole distribution is copied) or a "
                    + "runtimed binary (default: the launcher running this command)")
    Path binary;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path source = binary != null ? binary : launcher();
        if (source == null) {
            err.println("Error: no --binary given, and this runtimed was not started from its launcher");
            return 1;
        }
        source = source.toAbsolutePath().normalize();
        ServiceInstaller installer = ServiceInstaller.forCurrentPlatform(RuntPaths.current());
        out.println("Installing runtimed service...");
        out.println("Source binary: " + source);
        out.flush();
        try (InstallLock lock = installer.lock()) {
            if (installer.isInstalled()) {
                out.println("Service already installed. Use 'uninstall' first to reinstall.");
                return 1;
            }
            installer.install(source);
        } catch (ServiceException e) {
            if (!e.managerUnavailable()) {
                err.println("Error: " + e.getMessage());
                return 1;
            }
            out.println();
            out.println("Service installed to " + installer.installedBinary() + ", but " + e.getMessage() + ".");
            out.println("It is not registered to start at login. Where the service manager runs, register it with:");
            out.println("  " + installer.manager().registerHint());
            out.println("Until then: runtimed start (runs the installed daemon directly)");
            return 0;
        }
        out.println();
        out.println("Service installed successfully!");
        out.println("The daemon will start automatically at login.");
        out.println();
        out.println("To start now: runtimed start");
        out.println("To check status: runtimed status");
        out.println("To uninstall: runtimed uninstall");
        return 0;
    }

    private static Path launcher() {
        String p = System.getProperty(LAUNCHER_PROPERTY);
        return p == null || p.isBlank() ? null : Path.of(p);
    }
}
