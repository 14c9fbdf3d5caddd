package io.runtimed.execution;

import io.runtimed.kernel.KernelLaunchException;
import io.runtimed.outputs.OutputRouter;
import io.runtimed.protocol.CommSnapshot;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.LaunchedEnvConfig;
import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.protocol.NotebookRequest;
import io.runtimed.protocol.NotebookResponse;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A notebook room's kernel slot (KERNELS.md §4.1, §5): empty, launching, or holding a running
 * {@link KernelSession}. Launches are serialised by {@link #launching}, but nothing else waits for
 * it: {@code get_kernel_info} answers {@code starting} during a launch (§5.2 (ours)) and the
 * queue's requests see the slot as it is. The room's {@link OutputRouter} lives as long as the
 * room, so {@code clear_outputs} works with no kernel.
 */
public final class RoomKernel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RoomKernel.class);
    public static final String PYTHON = "python";

    private final String notebookId;
    private final RoomEvents room;
    private final Kernels kernels;
    private final OutputRouter outputs;
    private final ReentrantLock launching = new ReentrantLock();
    private volatile KernelSession session;
    /** The kernel type and env source of a launch in progress, for get_kernel_info. */
    private volatile String[] launchingAs;

    public RoomKernel(String notebookId, RoomEvents room, Kernels kernels) {
        this.notebookId = notebookId;
        this.room = room;
        this.kernels = kernels;
        this.outputs = kernels.newOutputRouter(room);
    }

    /** The running kernel's session, if any (a dead kernel is no longer one: §5.9 (ours)). */
    Optional<KernelSession> session() {
        return Optional.ofNullable(session);
    }

    /** A kernel runs (not only launching). */
    public boolean running() {
        return session != null;
    }

    public boolean hasKernel() {
        return session != null || launchingAs != null;
    }

    /** §2 launch_kernel. */
    public NotebookResponse launch(NotebookRequest.LaunchKernel request) {
        launching.lock();
        try {
            KernelSession running = session;
            if (running != null) {
                return new NotebookResponse.KernelAlreadyRunning(running.kernelType(), running.envSource(),
                        running.launchedConfig());
            }
            String kernelType = request.kernelType() == null || request.kernelType().isEmpty()
                    || request.kernelType().equals("auto") ? PYTHON : request.kernelType();
            if (!kernelType.equals(PYTHON)) {
                return new NotebookResponse.Error("Failed to launch kernel: Unsupported kernel type: " + kernelType
                        + ". Supported types: python");
            }
            String envSource = resolveEnvSource(request.envSource());
            Optional<EnvType> envType = envTypeOf(envSource);
            if (envType.isEmpty()) {
                return new NotebookResponse.Error("Failed to launch kernel: " + envSource
                        + " environments are not supported by this daemon yet; use uv:prewarmed or conda:prewarmed");
            }
            launchingAs = new String[] {kernelType, envSource};
            room.announce(new NotebookBroadcast.KernelStatus("starting", null));
            StartedKernel started;
            try {
                started = kernels.obtain(envType.get(),
                        WorkingDirectory.forNotebook(request.notebookPath(), notebookId), notebookId);
            } catch (PoolEmptyException e) {
                room.announce(new NotebookBroadcast.KernelStatus("error: " + e.getMessage(), null));
                return new NotebookResponse.Error(e.getMessage());
            } catch (KernelLaunchException | RuntimeException e) {
                LOG.warn("notebook {}: kernel launch failed: {}", notebookId, e.getMessage());
                room.announce(new NotebookBroadcast.KernelStatus("error: " + e.getMessage(), null));
                return new NotebookResponse.Error("Failed to launch kernel: " + e.getMessage());
            } finally {
                launchingAs = null;
            }
            LaunchedEnvConfig config = LaunchedEnvConfig.prewarmed(UUID.randomUUID().toString());
            outputs.reset();
            KernelSession fresh = new KernelSession(started, kernelType, envSource, config, room, outputs,
                    this::forget);
            session = fresh;
            started.events().attach(fresh);
            LOG.info("notebook {}: kernel {} (pid {}) running", notebookId, started.kernel().id(), fresh.pid());
            room.announce(new NotebookBroadcast.KernelStatus("idle", null));
            return new NotebookResponse.KernelLaunched(kernelType, envSource, config);
        } finally {
            launching.unlock();
        }
    }

    /** §5.2, request column: auto, empty and "prewarmed" mean uv:prewarmed here (metadata environments come later). */
    static String resolveEnvSource(String requested) {
        if (requested == null || requested.isEmpty() || requested.equals("auto") || requested.equals("prewarmed")) {
            return "uv:prewarmed";
        }
        return requested;
    }

    /** §5.2 "pooled env": which pool a source takes from; empty for sources that build their own. */
    static Optional<EnvType> envTypeOf(String envSource) {
        return switch (envSource) {
            case "uv:pyproject", "uv:inline", "conda:inline", "deno" -> Optional.empty();
            default -> Optional.of(envSource.startsWith("conda:") ? EnvType.CONDA : EnvType.UV);
        };
    }

    /**
     * A session ended: the room forgets it, then {@code announce} tells the windows, both under the
     * launch lock, so no new kernel's "starting"/"idle" can come between (and a window that asks on
     * hearing of the end finds no kernel).
     */
    private void forget(KernelSession gone, Runnable announce) {
        launching.lock();
        try {
            if (session == gone) {
                session = null;
            }
            announce.run();
        } finally {
            launching.unlock();
        }
    }

    /** §2 get_kernel_info, without waiting for a launch in progress. */
    public NotebookResponse.KernelInfo info() {
        KernelSession s = session;
        if (s != null) {
            return new NotebookResponse.KernelInfo(s.kernelType(), s.envSource(), s.status());
        }
        String[] launch = launchingAs;
        if (launch != null) {
            return new NotebookResponse.KernelInfo(launch[0], launch[1], "starting");
        }
        return NotebookResponse.KernelInfo.notStarted();
    }

    public NotebookResponse.QueueState queueState() {
        KernelSession s = session;
        return s == null ? new NotebookResponse.QueueState(null, List.of()) : s.queueState();
    }

    /** §2 execute_cell / queue_cell once the cell's code is known. */
    public NotebookResponse queue(String cellId, String code) {
        KernelSession s = session;
        if (s == null || !s.queue(cellId, code)) {
            return new NotebookResponse.NoKernel();
        }
        return new NotebookResponse.CellQueued(cellId);
    }

    /** §2 run_all_cells: every code cell in order, as one run. */
    public NotebookResponse queueAll(List<String[]> codeCells) {
        KernelSession s = session;
        if (s == null) {
            return new NotebookResponse.NoKernel();
        }
        for (String[] cell : codeCells) {
            if (!s.queue(cell[0], cell[1])) {
                return new NotebookResponse.NoKernel();
            }
        }
        return new NotebookResponse.AllCellsQueued(codeCells.size());
    }

    /** §6.5 clear_outputs (with or without a kernel). */
    public NotebookResponse clearOutputs(String cellId) {
        outputs.clearOutputs(cellId);
        return new NotebookResponse.OutputsCleared(cellId);
    }

    public NotebookResponse interrupt() {
        KernelSession s = session;
        if (s == null) {
            return new NotebookResponse.NoKernel();
        }
        s.interrupt();
        return new NotebookResponse.InterruptSent();
    }

    public NotebookResponse shutdown() {
        KernelSession s = session;
        if (s == null) {
            return new NotebookResponse.NoKernel();
        }
        s.shutdown();
        return new NotebookResponse.KernelShuttingDown();
    }

    public NotebookResponse sendComm(com.fasterxml.jackson.databind.JsonNode message) {
        KernelSession s = session;
        return s == null ? new NotebookResponse.NoKernel() : s.sendComm(message);
    }

    public NotebookResponse complete(String code, int cursorPos) {
        KernelSession s = session;
        return s == null ? new NotebookResponse.NoKernel() : s.complete(code, cursorPos);
    }

    public NotebookResponse history(String pattern, int n, boolean unique) {
        KernelSession s = session;
        return s == null ? new NotebookResponse.NoKernel() : s.history(pattern, n, unique);
    }

    /** §1.2 step 3: the live comms for a newly connected window. */
    public List<NotebookBroadcast> greeting() {
        List<CommSnapshot> comms = outputs.comms();
        return comms.isEmpty() ? List.of() : List.of(new NotebookBroadcast.CommSync(comms));
    }

    /** §1.4 (ours): fresh status and queue for a window that missed broadcasts. */
    public List<NotebookBroadcast> afterLag() {
        NotebookResponse.KernelInfo info = info();
        NotebookResponse.QueueState q = queueState();
        return List.of(new NotebookBroadcast.KernelStatus(info.status(), null),
                new NotebookBroadcast.QueueChanged(q.executing(), q.queued()));
    }

    /** The room closes: its kernel stops (§4.4), its outputs are flushed. */
    @Override
    public void close() {
        launching.lock();
        try {
            KernelSession s = session;
            if (s != null) {
                s.shutdown();
            }
        } finally {
            launching.unlock();
        }
        outputs.close();
    }
}
