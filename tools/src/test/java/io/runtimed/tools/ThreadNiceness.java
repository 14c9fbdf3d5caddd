package io.runtimed.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.stream.Stream;

/** A thread's nice value as the Linux scheduler sees it, from /proc (tests only; in the tools test-jar). */
public final class ThreadNiceness {
    private ThreadNiceness() {
    }

    public static int ofThisThread() {
        return of(Path.of("/proc/thread-self"));
    }

    /** Of this process's first thread whose name (cut to 15 characters by the kernel) is {@code comm}. */
    public static OptionalInt ofThreadNamed(String comm) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(t -> comm(t).equals(comm)).mapToInt(ThreadNiceness::of).findFirst();
        }
    }

    private static String comm(Path task) {
        try {
            return Files.readString(task.resolve("comm")).strip();
        } catch (IOException e) {
            return ""; // the thread ended meanwhile
        }
    }

    /** Field 19 of a task's stat (after "(comm)", which may hold spaces: field 3 onwards). */
    private static int of(Path task) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19 - 3]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
