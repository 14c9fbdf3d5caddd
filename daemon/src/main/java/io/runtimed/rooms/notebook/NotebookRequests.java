package io.runtimed.rooms.notebook;

import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.protocol.NotebookRequest;
import io.runtimed.protocol.NotebookResponse;
import io.runtimed.rooms.TypedFramesHandler;
import java.util.List;

/**
 * The answers to a notebook room's requests (KERNELS.md §2). Runs on each typed-frame peer's
 * request thread; the room's kernel does the work.
 */
final class NotebookRequests implements TypedFramesHandler {
    private final NotebookRoom room;

    NotebookRequests(NotebookRoom room) {
        this.room = room;
    }

    @Override
    public NotebookResponse answer(NotebookRequest request) {
        if (request instanceof NotebookRequest.GetKernelInfo) {
            return NotebookResponse.KernelInfo.notStarted();
        }
        if (request instanceof NotebookRequest.GetQueueState) {
            return new NotebookResponse.QueueState(null, List.of());
        }
        return new NotebookResponse.NoKernel();
    }

    @Override
    public List<NotebookBroadcast> greeting() {
        return List.of();
    }

    @Override
    public List<NotebookBroadcast> afterLag() {
        return List.of();
    }
}
