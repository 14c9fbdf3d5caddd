package io.runtimed.testkit;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that runs a main class of this build in a fresh JVM with the test class path. */
public final class JavaProcess {
    public static final String RUNTIMED_MAIN = "io.runtimed.cli.runtimed.RuntimedMain";
    public static final String RUNT_MAIN = "io.runtimed.cli.runt.RuntMain";

    /** The same lean flags as bin/.launch: short-lived JVMs on 2 cores start fastest this way. */
    private static final List<String> JVM_FLAGS = List.of(
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-Dfile.encoding=UTF-8");

    private JavaProcess() {
    }

    public static Path javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** The test class path; it holds target/classes of every module and all their dependencies. */
    public static String classPath() {
        String cp = System.getProperty("java.class.path");
        if (cp == null || cp.isBlank()) {
            throw new IllegalStateException("java.class.path is not set");
        }
        return cp;
    }

    public static List<String> command(String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary().toString());
        cmd.addAll(JVM_FLAGS);
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    static String describe(List<String> cmd) {
        List<String> shown = new ArrayList<>(cmd);
        int cp = shown.indexOf("-cp");
        if (cp >= 0 && cp + 1 < shown.size()) {
            shown.set(cp + 1, "<" + shown.get(cp + 1).split(File.pathSeparator).length + " class path entries>");
        }
        return String.join(" ", shown);
    }
}
