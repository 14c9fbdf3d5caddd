package io.runtimed.rooms.notebook;

import io.runtimed.execution.RoomKernel;
import io.runtimed.ipynb.NotebookFiles;
import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.protocol.NotebookRequest;
import io.runtimed.protocol.NotebookResponse;
import io.runtimed.rooms.TypedFramesHandler;
import io.runtimed.sync.notebook.CellCodes;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.sync.notebook.NotebookDoc;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The answers to a notebook room's requests (KERNELS.md §2). Runs on each typed-frame peer's
 * request thread; what needs the document reads it here, what needs the kernel goes to the room's
 * {@link RoomKernel}. A room without kernels (a daemon started without them) answers as a room
 * whose kernel never started.
 */
final class NotebookRequests implements TypedFramesHandler {
    private final NotebookRoom room;
    /** Under the room's document lock (inside its reads). */
    private final CellCodes codes = new CellCodes();

    NotebookRequests(NotebookRoom room) {
        this.room = room;
    }

    @Override
    public NotebookResponse answer(NotebookRequest request) {
        Optional<RoomKernel> kernel = room.kernel();
        if (request instanceof NotebookRequest.GetKernelInfo) {
            return kernel.map(RoomKernel::info).orElseGet(NotebookResponse.KernelInfo::notStarted);
        }
        if (request instanceof NotebookRequest.GetQueueState) {
            return kernel.map(RoomKernel::queueState).orElseGet(() -> new NotebookResponse.QueueState(null, List.of()));
        }
        if (request instanceof NotebookRequest.ExecuteCell r) {
            // §2: the cell checks win over no_kernel
            // §2: the first cell with the id in list order (CellCodes answers as the whole walk does)
            Optional<NotebookDoc.CellCode> cell = room.owner().read(
                    d -> codes.code(d, r.cellId(), room.owner().structureVersion()));
            if (cell.isEmpty()) {
                return new NotebookResponse.Error("Cell not found in document: " + r.cellId());
            }
            if (!"code".equals(cell.get().cellType())) {
                return new NotebookResponse.Error("Cannot execute non-code cell: " + r.cellId()
                        + " (type: " + cell.get().cellType() + ")");
            }
            return kernel.map(k -> k.queue(r.cellId(), cell.get().source())).orElseGet(NotebookResponse.NoKernel::new);
        }
        if (request instanceof NotebookRequest.QueueCell r) {
            return kernel.map(k -> k.queue(r.cellId(), r.code())).orElseGet(NotebookResponse.NoKernel::new);
        }
        if (request instanceof NotebookRequest.RunAllCells) {
            if (kernel.isEmpty()) {
                return new NotebookResponse.NoKernel();
            }
            List<String[]> code = new ArrayList<>();
            for (NotebookCell c : room.owner().read(NotebookDoc::cells)) {
                if ("code".equals(c.cellType())) {
                    code.add(new String[] {c.id(), c.source()});
                }
            }
            return kernel.get().queueAll(code);
        }
        if (request instanceof NotebookRequest.ClearOutputs r) {
            if (kernel.isPresent()) {
                return kernel.get().clearOutputs(r.cellId());
            }
            room.clearOutputsWithoutKernel(r.cellId());
            return new NotebookResponse.OutputsCleared(r.cellId());
        }
        if (request instanceof NotebookRequest.LaunchKernel r) {
            return kernel.map(k -> k.launch(r)).orElseGet(() ->
                    new NotebookResponse.Error("Failed to launch kernel: this daemon runs no kernels"));
        }
        if (request instanceof NotebookRequest.InterruptExecution) {
            return kernel.map(RoomKernel::interrupt).orElseGet(NotebookResponse.NoKernel::new);
        }
        if (request instanceof NotebookRequest.ShutdownKernel) {
            return kernel.map(RoomKernel::shutdown).orElseGet(NotebookResponse.NoKernel::new);
        }
        if (request instanceof NotebookRequest.SendComm r) {
            return kernel.map(k -> k.sendComm(r.message())).orElseGet(NotebookResponse.NoKernel::new);
        }
        if (request instanceof NotebookRequest.Complete r) {
            return kernel.map(k -> k.complete(r.code(), r.cursorPos())).orElseGet(NotebookResponse.NoKernel::new);
        }
        if (request instanceof NotebookRequest.GetHistory r) {
            return kernel.map(k -> k.history(r.pattern(), r.n(), r.unique())).orElseGet(NotebookResponse.NoKernel::new);
        }
        if (request instanceof NotebookRequest.SaveNotebook r) {
            boolean force = Boolean.TRUE.equals(r.force());
            if (room.file().isPresent()) {
                return room.file().get().save(force);
            }
            return room.blobs()
                    .map(b -> NotebookFiles.save(room.notebookId(), room.owner(), b, force))
                    .orElseGet(() -> new NotebookResponse.Error("Failed to save notebook: this daemon runs without "
                            + "an output store"));
        }
        if (request instanceof NotebookRequest.SyncEnvironment) {
            // §10.2: only uv:inline kernels can be hot-synced, and this daemon launches none yet
            boolean running = kernel.map(RoomKernel::running).orElse(false);
            return running
                    ? new NotebookResponse.SyncEnvironmentFailed("Hot-sync only supported for UV inline dependencies", true)
                    : new NotebookResponse.SyncEnvironmentFailed("No kernel running", false);
        }
        return new NotebookResponse.Error("unsupported request: " + request);
    }

    /** Requests that only read the document and queue work: none waits for the kernel. */
    @Override
    public boolean answersAtOnce(NotebookRequest request) {
        return request instanceof NotebookRequest.ExecuteCell || request instanceof NotebookRequest.QueueCell
                || request instanceof NotebookRequest.RunAllCells || request instanceof NotebookRequest.ClearOutputs
                || request instanceof NotebookRequest.GetKernelInfo || request instanceof NotebookRequest.GetQueueState
                || request instanceof NotebookRequest.SendComm;
    }

    @Override
    public List<NotebookBroadcast> greeting() {
        return room.kernel().map(RoomKernel::greeting).orElse(List.of());
    }

    @Override
    public List<NotebookBroadcast> afterLag() {
        return room.kernel().map(RoomKernel::afterLag).orElse(List.of());
    }
}
