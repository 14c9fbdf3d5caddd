package io.runtimed.dist;

import io.runtimed.testkit.RuntHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A uv in the test user's {@code ~/.local/bin} (where the daemon looks after PATH, DAEMON.md §10)
 * that answers {@code --version} and refuses to build anything. Without it every daemon these tests
 * start (the installed service runs with the default pool sizes) finds python3 and builds two
 * venv + pip environments at once, which keeps both cores of a 2-core machine busy for the whole
 * test and slows every JVM the test starts. These tests are about installing, starting, stopping
 * and upgrading, not about the pool: a failed build only schedules a retry seconds later.
 */
final class StandInUv {
    private StandInUv() {
    }

    static void placeIn(RuntHome home) throws IOException {
        Path bin = Files.createDirectories(home.home().resolve(".local").resolve("bin"));
        Path uv = bin.resolve("uv");
        Files.writeString(uv, """
                #!/bin/sh
                [ "$1" = --version ] && { echo "uv 0.0.0 (stand-in of the dist tests)"; exit 0; }
                echo "stand-in uv: the dist tests build no environments" >&2
                exit 1
                """, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(uv, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
