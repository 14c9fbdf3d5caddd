package io.runtimed.kernel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How to start one kernel (KERNELS.md §5.4).
 *
 * @param argv             the command line; {@value #CONNECTION_FILE} stands for the connection file's path
 * @param kernelName       {@code kernel_name} in the connection file: {@code python3} or {@code deno}
 * @param workingDirectory the kernel's working directory
 * @param environment      added to the daemon's own environment (COLUMNS, LINES, VIRTUAL_ENV, PATH, …)
 * @param logFile          where the kernel's stdout and stderr are appended (§5.4 (ours)); null for
 *                         the registry's {@code <base>/kernels/<kernel-id>.log}
 */
public record KernelSpec(List<String> argv, String kernelName, Path workingDirectory, Map<String, String> environment,
                         Path logFile) {
    public static final String CONNECTION_FILE = "{connection_file}";

    public KernelSpec {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("a kernel command line needs a program");
        }
        argv = List.copyOf(argv);
        environment = Map.copyOf(environment);
    }

    /**
     * {@code <python> -Xfrozen_modules=off -m ipykernel_launcher -f <connection file>} with the
     * terminal size every kernel gets (COLUMNS=80, LINES=100) plus {@code extraEnvironment}.
     */
    public static KernelSpec ipykernel(Path python, Path workingDirectory, Map<String, String> extraEnvironment,
                                       Path logFile) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("COLUMNS", "80");
        env.put("LINES", "100");
        env.putAll(extraEnvironment);
        return new KernelSpec(List.of(python.toString(), "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f",
                CONNECTION_FILE), "python3", workingDirectory, env, logFile);
    }

    /** The command line for one connection file. */
    List<String> commandLine(Path connectionFile) {
        List<String> line = new ArrayList<>(argv.size());
        for (String arg : argv) {
            line.add(arg.replace(CONNECTION_FILE, connectionFile.toString()));
        }
        return line;
    }

    KernelSpec withLogFile(Path file) {
        return new KernelSpec(argv, kernelName, workingDirectory, environment, file);
    }
}
