package io.runtimed.dist;

import io.runtimed.testkit.SystemPackages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A stand-in for {@code systemctl --user}, which has no user manager in a test container. It
 * records every call and does what the user manager would: {@code start} runs the unit's ExecStart
 * detached with the unit's PATH (so the installed daemon must find its JVM without ours), and
 * {@code stop} sends SIGTERM to the daemon named in daemon.json and waits until it is gone. The
 * "without bus" variant answers every call as systemctl does where no user manager runs.
 */
final class StandInSystemctl {
    private final Path dir;

    private StandInSystemctl(Path dir) {
        this.dir = dir;
    }

    /** Its {@code start} detaches the daemon with setsid(1): a test that writes it (in its set-up) needs util-linux. */
    static StandInSystemctl write(Path dir) throws IOException {
        SystemPackages.requireSetsid();
        return write(dir, """
                unit="${XDG_CONFIG_HOME:-$HOME/.config}/systemd/user/runtimed.service"
                case "$2" in
                  daemon-reload|enable|disable) exit 0;;
                  start)
                    [ -f "$unit" ] || { echo "Failed to start runtimed.service: Unit runtimed.service not found." >&2; exit 5; }
                    exec_start=$(sed -n 's/^ExecStart=//p' "$unit" | sed 's/^"\\(.*\\)"$/\\1/')
                    unit_path=$(sed -n 's/^Environment=PATH=//p' "$unit")
                    unset JAVA_HOME  # the user manager's environment has none
                    PATH="$unit_path" setsid "$exec_start" </dev/null >/dev/null 2>&1 &
                    exit 0;;
                  stop)
                    info="${XDG_CACHE_HOME:-$HOME/.cache}/runt/daemon.json"
                    pid=$(grep -o '"pid" *: *[0-9]*' "$info" 2>/dev/null | grep -o '[0-9]*$')
                    if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
                      # until it has exited (a zombie waiting for init to reap it has)
                      while kill -0 "$pid" 2>/dev/null && [ "$(sed 's/.*) //' /proc/$pid/stat 2>/dev/null | cut -c1)" != Z ]; do
                        sleep 0.05
                      done
                    fi
                    exit 0;;
                esac
                echo "stand-in systemctl: unsupported call: $*" >&2
                exit 1
                """);
    }

    static StandInSystemctl withoutBus(Path dir) throws IOException {
        return write(dir, """
                echo "Failed to connect to bus: No medium found" >&2
                exit 1
                """);
    }

    private static StandInSystemctl write(Path dir, String body) throws IOException {
        Files.createDirectories(dir);
        Path exe = dir.resolve("systemctl");
        Files.writeString(dir.resolve("systemctl.calls"), "");
        Files.writeString(exe, "#!/bin/sh\necho \"$*\" >> \"$(dirname \"$0\")/systemctl.calls\"\n" + body,
                StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new StandInSystemctl(dir);
    }

    /** PATH with this stand-in first, then the machine's PATH. */
    String path() {
        return dir + ":" + System.getenv("PATH");
    }

    List<String> calls() throws IOException {
        return Files.readAllLines(dir.resolve("systemctl.calls"), StandardCharsets.UTF_8);
    }
}
