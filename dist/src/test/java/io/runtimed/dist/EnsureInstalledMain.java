package io.runtimed.dist;

import io.runtimed.client.InstalledDaemonLauncher;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.RuntimedVersion;
import io.runtimed.service.ServiceInstaller;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a shipped notebook app does at start (DAEMON.md §9) with the daemon it bundles: make sure
 * the installed service runs it, upgrading an older one. Argument: the bundled launcher (none: the app bundles no daemon). Prints
 * "pid version" of the daemon it ends up with; exit 1 and the error on stderr on failure.
 */
public final class EnsureInstalledMain {
    private EnsureInstalledMain() {
    }

    public static void main(String[] args) {
        RuntPaths paths = RuntPaths.current();
        try {
            // a loaded 2-core test machine may need longer than the spec's 10 s to start a JVM daemon
            // (and less than the 60 s after which the test gives up on this process)
            DaemonInfo info = new InstalledDaemonLauncher(paths, args.length > 0 ? Path.of(args[0]) : null,
                    RuntimedVersion.full(), ServiceInstaller.forCurrentPlatform(paths), Duration.ofSeconds(25))
                    .ensureDaemonRunning();
            System.out.println(info.pid() + " " + info.version());
        } catch (Exception e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }
}
