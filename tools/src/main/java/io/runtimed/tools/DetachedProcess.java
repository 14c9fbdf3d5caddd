package io.runtimed.tools;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Starts a daemon in its own session (setsid where there is one), detached from this process's
 * terminal and streams, so it outlives the app or command that started it. The daemon writes its
 * own log file (runtimed.log); its streams would only duplicate it.
 */
public final class DetachedProcess {
    private DetachedProcess() {
    }

    public static Process start(List<String> command) throws IOException {
        List<String> cmd = new ArrayList<>();
        onPath("setsid").ifPresent(p -> cmd.add(p.toString()));
        cmd.addAll(command);
        return new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    private static File nullDevice() {
        return new File(File.separatorChar == '\\' ? "NUL" : "/dev/null");
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null || File.separatorChar == '\\') {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
