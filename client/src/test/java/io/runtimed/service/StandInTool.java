package io.runtimed.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A stand-in for a service tool (systemctl, launchctl) that cannot run in a test container: it
 * records each call's arguments as one line and answers from a small shell {@code case} table, so a
 * test can make any call fail with the text the real tool prints.
 */
final class StandInTool {
    private final Path executable;
    private final Path calls;

    private StandInTool(Path executable, Path calls) {
        this.executable = executable;
        this.calls = calls;
    }

    /**
     * @param cases shell case arms over all arguments joined by spaces, e.g.
     *              {@code "'--user stop runtimed.service') echo 'Unit runtimed.service not loaded.' >&2; exit 5;;"};
     *              anything else succeeds silently
     */
    static StandInTool write(Path dir, String name, String... cases) throws IOException {
        Files.createDirectories(dir);
        Path exe = dir.resolve(name);
        Path calls = dir.resolve(name + ".calls");
        Files.writeString(calls, "");
        String script = "#!/bin/sh\n"
                + "echo \"$*\" >> '" + calls + "'\n"
                + "case \"$*\" in\n"
                + String.join("\n", cases) + (cases.length > 0 ? "\n" : "")
                + "  *) exit 0;;\n"
                + "esac\n";
        Files.writeString(exe, script, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new StandInTool(exe, calls);
    }

    String command() {
        return executable.toString();
    }

    /** Every call so far, one string of space-separated arguments each. */
    List<String> calls() throws IOException {
        return Files.readAllLines(calls, StandardCharsets.UTF_8);
    }
}
