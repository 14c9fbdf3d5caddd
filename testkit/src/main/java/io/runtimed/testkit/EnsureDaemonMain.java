package io.runtimed.testkit;

import io.runtimed.client.DaemonLauncher;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.DaemonInfo;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * What a notebook app does at start (DAEMON.md §9): make sure a daemon runs, then use its pid. With
 * {@code --barrier} it first prints "ready" and waits for a line on stdin, so that a test can release
 * several of these at the same moment. Prints the daemon's pid as its last line; exit 1 on failure.
 */
public final class EnsureDaemonMain {
    private EnsureDaemonMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--barrier")) {
            System.out.println("ready");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        try {
            DaemonInfo info = DaemonLauncher.sameJvm(RuntPaths.current()).ensureDaemonRunning();
            System.out.println(info.pid());
        } catch (Exception e) {
            System.err.println("ensureDaemonRunning failed: " + e);
            System.exit(1);
        }
        System.exit(0);
    }
}
