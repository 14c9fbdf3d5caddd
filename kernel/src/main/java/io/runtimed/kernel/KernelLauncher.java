package io.runtimed.kernel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts kernels (KERNELS.md §5.4–5.6 with the (ours) fixes): connection file, sockets connected
 * before the spawn, the process in its own group via setsid with its output in a log file, the
 * registry entry, and the {@code kernel_info} handshake. A launch either returns a running kernel
 * or leaves nothing behind.
 */
public final class KernelLauncher {
    private static final Logger LOG = LoggerFactory.getLogger(KernelLauncher.class);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    static final String SETSID = "/usr/bin/setsid";
    private static final Duration IOPUB_PROBE = Duration.ofMillis(200);
    /** What a kernel's log shows when one of its ports was taken between reservation and bind. */
    private static final String BIND_FAILURE = "Address already in use";

    private final Path connectionDir;
    private final KernelRegistry registry;
    private final Supplier<int[]> ports;

    /** {@code connectionDir}: the Jupyter runtime directory for connection files (made 0700). */
    public KernelLauncher(Path connectionDir, KernelRegistry registry) {
        this(connectionDir, registry, () -> ConnectionInfo.freePorts(5));
    }

    /** Tests: {@code ports} hands out the five ports, stdin, control, hb, shell, iopub. */
    KernelLauncher(Path connectionDir, KernelRegistry registry, Supplier<int[]> ports) {
        this.connectionDir = connectionDir;
        this.registry = registry;
        this.ports = ports;
    }

    /**
     * ZeroMQ's slow joiner: the iopub subscription reaches the kernel some time after the SUB socket
     * connects, and whatever the kernel publishes before that is lost, so a kernel_info_reply on shell
     * does not prove that iopub works. Until an iopub message arrives (every kernel_info_request
     * makes the kernel publish busy and idle), ask again; only then is the kernel handed out, so the
     * first cell's status messages are never lost (jupyter_client's wait_for_ready does the same).
     */
    private static void awaitIopub(RunningKernel kernel, Duration timeout)
            throws TimeoutException, InterruptedException, ExecutionException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                kernel.iopubHeard().get(IOPUB_PROBE.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                if (System.nanoTime() > deadline || !kernel.process().isAlive()) {
                    throw e;
                }
                kernel.requestKernelInfo();
            }
        }
    }

    public static String newKernelId() {
        return UUID.randomUUID().toString();
    }

    /** {@link #launch(String, KernelSpec, String, KernelListener, Duration)} with a new id and 30 s. */
    public RunningKernel launch(KernelSpec spec, String notebookId, KernelListener listener)
            throws KernelLaunchException {
        return launch(newKernelId(), spec, notebookId, listener, DEFAULT_TIMEOUT);
    }

    /**
     * Starts a kernel and waits up to {@code timeout} for its {@code kernel_info_reply}. A kernel
     * that exits because one of its ports was taken meanwhile is started once more on fresh ports
     * (§5.5 (ours)).
     */
    public RunningKernel launch(String kernelId, KernelSpec spec, String notebookId, KernelListener listener,
                                Duration timeout) throws KernelLaunchException {
        KernelSpec withLog = spec.logFile() != null ? spec : spec.withLogFile(registry.logFile(kernelId));
        try {
            return attempt(kernelId, withLog, notebookId, listener, timeout);
        } catch (PortTaken e) {
            LOG.info("kernel {}: a port was taken before the kernel bound it; retrying on new ports", kernelId);
            try {
                return attempt(kernelId, withLog, notebookId, listener, timeout);
            } catch (PortTaken again) {
                throw new KernelLaunchException(again.getMessage());
            }
        }
    }

    /** The kernel exited on a bind failure: worth one more try. */
    private static final class PortTaken extends Exception {
        PortTaken(String message) {
            super(message);
        }
    }

    private RunningKernel attempt(String kernelId, KernelSpec spec, String notebookId, KernelListener listener,
                                  Duration timeout) throws KernelLaunchException, PortTaken {
        ConnectionFile file;
        try {
            file = ConnectionFile.write(connectionDir, ConnectionInfo.withPorts(spec.kernelName(), ports.get()));
        } catch (IOException e) {
            throw new KernelLaunchException("Cannot write the connection file: " + e.getMessage(), e);
        }
        long logStart;
        RunningKernel kernel;
        try {
            logStart = prepareLog(spec.logFile());
            kernel = new RunningKernel(kernelId, file, registry, listener, () -> spawn(spec, file.path()));
        } catch (IOException e) {
            file.delete();
            throw new KernelLaunchException("Failed to start kernel: " + e.getMessage(), e);
        }
        boolean awaitingIopub = false;
        try {
            registry.record(kernelId, new RegistryEntry(kernel.pid(), kernel.pid(), file.path().toString(), notebookId,
                    KernelRegistry.realPath(resolveProgram(spec))));
            kernel.start();
            CompletableFuture<KernelMessage> reply = kernel.requestKernelInfo();
            ObjectNode info = kernel.awaitKernelInfo(reply, timeout.toMillis());
            if (info == null) {
                int code = kernel.process().exitValue();
                String log = readFrom(spec.logFile(), logStart);
                kernel.destroy();
                if (log.contains(BIND_FAILURE)) {
                    throw new PortTaken("Kernel did not respond: kernel exited with code " + code + " (" + BIND_FAILURE + ")");
                }
                throw new KernelLaunchException("Kernel did not respond: kernel process exited with code " + code
                        + lastLine(log));
            }
            awaitingIopub = true;
            awaitIopub(kernel, timeout);
            kernel.ready(info);
            return kernel;
        } catch (TimeoutException e) {
            // which step, and whether the process still ran: a hung kernel and one that died while
            // it was probed read alike otherwise
            boolean alive = kernel.process().isAlive();
            String log = readFrom(spec.logFile(), logStart);
            kernel.destroy();
            if (!alive) {
                throw new KernelLaunchException("Kernel did not respond: kernel process exited with code "
                        + kernel.process().exitValue() + lastLine(log));
            }
            throw new KernelLaunchException("Kernel did not respond within " + timeout.toSeconds() + "s"
                    + (awaitingIopub ? " on iopub" : "") + " (still running)" + lastLine(log));
        } catch (ExecutionException e) {
            kernel.destroy();
            throw new KernelLaunchException("Kernel did not respond: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            kernel.destroy();
            Thread.currentThread().interrupt();
            throw new KernelLaunchException("Kernel did not respond: interrupted", e);
        } catch (IOException | RuntimeException e) {
            kernel.destroy();
            throw new KernelLaunchException("Kernel did not respond: " + e, e);
        }
    }

    /**
     * {@code setsid <argv…>}: a child of the JVM is not a process group leader, so setsid makes a
     * new session and group and execs the kernel in place (pid == pgid, §5.4 (ours)).
     */
    private static Process spawn(KernelSpec spec, Path connectionFile) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(SETSID);
        command.addAll(spec.commandLine(connectionFile));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(spec.workingDirectory().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.logFile().toFile()));
        builder.environment().putAll(spec.environment());
        return builder.start();
    }

    /** Creates the log 0600 (kernel output can be private) and returns where this launch's output starts. */
    private static long prepareLog(Path log) throws IOException {
        Path parent = log.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            ConnectionFile.ownerOnlyDirectory(parent);
        }
        if (!Files.exists(log)) {
            try {
                Files.createFile(log, PosixFilePermissions.asFileAttribute(ConnectionFile.OWNER_ONLY_FILE));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // fine
            }
        }
        return Files.size(log);
    }

    /** This launch's output (from {@code offset}), its last 64 KiB at most: what the last line is taken from. */
    private static String readFrom(Path log, long offset) {
        try (InputStream in = Files.newInputStream(log, StandardOpenOption.READ)) {
            in.skipNBytes(Math.max(offset, Files.size(log) - 64 * 1024));
            return new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String lastLine(String log) {
        String trimmed = log.strip();
        if (trimmed.isEmpty()) {
            return "";
        }
        return ": " + trimmed.substring(trimmed.lastIndexOf('\n') + 1);
    }

    /** The program as the registry records it: argv[0] found like execvp would (the kernel's PATH first). */
    private static String resolveProgram(KernelSpec spec) {
        String program = spec.argv().get(0);
        if (program.contains("/")) {
            return spec.workingDirectory().resolve(program).toString();
        }
        String path = spec.environment().getOrDefault("PATH", System.getenv("PATH"));
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
                if (Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        return program;
    }
}
