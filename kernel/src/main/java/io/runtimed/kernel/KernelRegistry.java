package io.runtimed.kernel;

import io.runtimed.paths.AtomicFiles;
import io.runtimed.protocol.Json;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's record of the kernels it runs, {@code <base>/kernels/} (KERNELS.md §4.5 (ours)):
 * kernels live in their own process groups and outlive a daemon that crashes or is SIGKILLed, so
 * the next daemon finds them here and kills them. Also home of each kernel's log file.
 */
public final class KernelRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(KernelRegistry.class);
    private static final String SUFFIX = ".json";
    /** How long an orphan gets to end on SIGTERM before SIGKILL. */
    private static final long TERM_GRACE_MILLIS = 1000;

    private final Path dir;

    /** {@code base}: the daemon's base directory; entries go to {@code <base>/kernels/}. */
    public KernelRegistry(Path base) {
        this.dir = base.resolve("kernels");
    }

    public Path directory() {
        return dir;
    }

    /** {@code <base>/kernels/<kernel-id>.log}, where the kernel's stdout and stderr go. */
    public Path logFile(String kernelId) {
        return dir.resolve(kernelId + ".log");
    }

    /** Writes (atomically: a crash leaves the old entry or the new one, whole) the entry of a kernel. */
    public void record(String kernelId, RegistryEntry entry) throws IOException {
        ConnectionFile.ownerOnlyDirectory(dir);
        AtomicFiles.write(entryFile(kernelId), Json.compact(entry));
    }

    public void remove(String kernelId) {
        try {
            Files.deleteIfExists(entryFile(kernelId));
        } catch (IOException e) {
            LOG.warn("cannot remove kernel registry entry {}: {}", kernelId, e.toString());
        }
    }

    public Optional<RegistryEntry> read(String kernelId) {
        try {
            return Optional.of(Json.parse(Files.readAllBytes(entryFile(kernelId)), RegistryEntry.class));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.warn("unreadable kernel registry entry {}: {}", kernelId, e.getMessage());
            return Optional.empty();
        }
    }

    private Path entryFile(String kernelId) {
        return dir.resolve(kernelId + SUFFIX);
    }

    /**
     * At daemon start: kills every recorded kernel whose pid still runs the recorded program
     * (SIGTERM to its group, SIGKILL if it lingers), deletes its connection file, and removes every
     * entry. A pid that now runs something else is left alone. Returns how many kernels it killed.
     */
    public int reapOrphans() {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        int killed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : entries) {
                String name = file.getFileName().toString();
                String kernelId = name.substring(0, name.length() - SUFFIX.length());
                Optional<RegistryEntry> entry = read(kernelId);
                if (entry.isPresent() && reap(kernelId, entry.get())) {
                    killed++;
                }
                remove(kernelId);
            }
        } catch (IOException e) {
            LOG.warn("cannot scan {} for orphaned kernels: {}", dir, e.toString());
        }
        return killed;
    }

    private boolean reap(String kernelId, RegistryEntry entry) {
        Optional<ProcessHandle> process = ProcessHandle.of(entry.pid()).filter(ProcessHandle::isAlive);
        if (process.isEmpty() || !runs(entry.pid(), entry.executable())) {
            LOG.debug("kernel {} (pid {}) is gone", kernelId, entry.pid());
            deleteConnectionFile(entry);
            return false;
        }
        LOG.info("killing orphaned kernel {} (pid {}, process group {})", kernelId, entry.pid(), entry.pgid());
        ProcessGroup group = new ProcessGroup(entry.pgid());
        group.signal(LibC.SIGTERM);
        if (!awaitExit(process.get(), TERM_GRACE_MILLIS)) {
            group.signal(LibC.SIGKILL);
            awaitExit(process.get(), TERM_GRACE_MILLIS);
        }
        // whatever else the kernel left in its group goes too
        group.signal(LibC.SIGKILL);
        deleteConnectionFile(entry);
        return true;
    }

    /** Does {@code pid} run {@code executable}? /proc/<pid>/exe is the real path of its program. */
    static boolean runs(long pid, String executable) {
        if (executable == null) {
            return false;
        }
        Optional<String> command = ProcessHandle.of(pid).flatMap(h -> h.info().command());
        if (command.isEmpty()) {
            return false;
        }
        return realPath(command.get()).equals(realPath(executable));
    }

    static String realPath(String program) {
        try {
            return Path.of(program).toRealPath().toString();
        } catch (IOException e) {
            return program;
        }
    }

    private static boolean awaitExit(ProcessHandle process, long millis) {
        CompletableFuture<ProcessHandle> exit = process.onExit();
        try {
            exit.get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void deleteConnectionFile(RegistryEntry entry) {
        if (entry.connectionFile() == null) {
            return;
        }
        try {
            Files.deleteIfExists(Path.of(entry.connectionFile()));
        } catch (IOException e) {
            LOG.warn("cannot delete stale connection file {}: {}", entry.connectionFile(), e.toString());
        }
    }
}
