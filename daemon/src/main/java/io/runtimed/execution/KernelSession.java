package io.runtimed.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.kernel.KernelGoneException;
import io.runtimed.kernel.KernelListener;
import io.runtimed.kernel.KernelMessage;
import io.runtimed.outputs.OutputRouter;
import io.runtimed.protocol.CompletionItem;
import io.runtimed.protocol.HistoryEntry;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.LaunchedEnvConfig;
import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.protocol.NotebookResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running kernel of a room (KERNELS.md §5–§7): its execution queue, which cell each
 * {@code execute_request} belongs to, its status, and what its iopub messages mean for the room.
 * Outputs go to the room's {@link OutputRouter}. The queue, the cell map and the status change only
 * under {@link #lock}, and the queue's broadcasts are made in the same hold, so every window hears
 * queue changes in the order they happened.
 *
 * <p>Beyond the reference: the cell's {@code execution_count} is written into the document
 * (§6.4 (ours)), outputs are cleared when a cell is sent to the kernel (§6.5 (ours)), a dead kernel
 * is reported, its executing cell finished and its queue emptied (§5.9 (ours)), and a shutdown
 * tells the windows the same (§5.8 (ours)).
 */
final class KernelSession implements KernelListener {
    private static final Logger LOG = LoggerFactory.getLogger(KernelSession.class);
    static final Duration KERNEL_REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private final StartedKernel started;
    private final String kernelType;
    private final String envSource;
    private final LaunchedEnvConfig launchedConfig;
    private final RoomEvents room;
    private final OutputRouter outputs;
    /** The room's: forgets this session, then runs the given announcements (see {@link #end}). */
    private final BiConsumer<KernelSession, Runnable> whenGone;
    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock
    private final ExecutionQueue queue = new ExecutionQueue();
    private final Map<String, String> cellByMsgId = new HashMap<>();
    private String status = "idle";
    private boolean gone;
    private boolean firstCellDone;

    KernelSession(StartedKernel started, String kernelType, String envSource, LaunchedEnvConfig launchedConfig,
                  RoomEvents room, OutputRouter outputs, BiConsumer<KernelSession, Runnable> whenGone) {
        this.started = started;
        this.kernelType = kernelType;
        this.envSource = envSource;
        this.launchedConfig = launchedConfig;
        this.room = room;
        this.outputs = outputs;
        this.whenGone = whenGone;
    }

    String kernelType() {
        return kernelType;
    }

    String envSource() {
        return envSource;
    }

    LaunchedEnvConfig launchedConfig() {
        return launchedConfig;
    }

    long pid() {
        return started.kernel().pid();
    }

    /** §5.7: the daemon's view (starting, idle, busy, shutdown), not iopub's. */
    String status() {
        lock.lock();
        try {
            return status;
        } finally {
            lock.unlock();
        }
    }

    NotebookResponse.QueueState queueState() {
        lock.lock();
        try {
            return new NotebookResponse.QueueState(queue.executing(), queue.waitingIds());
        } finally {
            lock.unlock();
        }
    }

    /** §6.2: queues a cell's code; a cell already executing or waiting is left as it is. */
    boolean queue(String cellId, String code) {
        lock.lock();
        try {
            if (gone) {
                return false;
            }
            if (queue.add(new ExecutionQueue.Entry(cellId, code))) {
                NotebookBroadcast queued = queueChanged();
                sendNext(List.of(queued));
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under the lock: §6.2 process_next, after the queue change that led here, whose broadcasts
     * ({@code before}) are made only once the next cell's request is on its way: the kernel starts
     * working while the daemon announces and clears (on two cores, work done before the send
     * delays it). The windows still hear every broadcast in order, and none of the run's iopub
     * messages can overtake them: they find their cell only through {@link #cellOf}, under this lock.
     */
    private void sendNext(List<NotebookBroadcast> before) {
        var next = queue.startNext();
        if (next.isEmpty()) {
            before.forEach(room::announce);
            return;
        }
        String cellId = next.get().cellId();
        String msgId;
        try {
            msgId = started.kernel().execute(next.get().code(), false, true);
        } catch (KernelGoneException e) {
            // the death callback empties the queue; nothing more to send
            before.forEach(room::announce);
            return;
        }
        // still under the lock: the run's outputs find their cell only through this map, so they
        // reach the router after the clear below
        cellByMsgId.values().removeIf(cellId::equals);
        cellByMsgId.put(msgId, cellId);
        status = "busy";
        before.forEach(room::announce);
        announceQueue();
        outputs.cellStarted(cellId);
    }

    private NotebookBroadcast.QueueChanged queueChanged() {
        return new NotebookBroadcast.QueueChanged(queue.executing(), queue.waitingIds());
    }

    private void announceQueue() {
        room.announce(queueChanged());
    }

    @Override
    public void onIopub(KernelMessage m) {
        String cellId = cellOf(m);
        switch (m.msgType()) {
            case "status" -> {
                String state = m.content().path("execution_state").asText("unknown");
                room.announce(new NotebookBroadcast.KernelStatus(wireStatus(state), cellId));
                if ("idle".equals(state) && cellId != null) {
                    finishCell(cellId);
                }
            }
            case "execute_input" -> {
                if (cellId != null && m.content().path("execution_count").canConvertToLong()) {
                    long count = m.content().path("execution_count").asLong();
                    outputs.executionCount(cellId, count);
                    room.announce(new NotebookBroadcast.ExecutionStarted(cellId, count));
                }
            }
            case "error" -> {
                outputs.onIopub(m, cellId);
                stopOnError(cellId);
            }
            default -> outputs.onIopub(m, cellId);
        }
    }

    /** §6.3: an error of the executing cell drops the cells waiting after it. */
    private void stopOnError(String cellId) {
        if (cellId == null) {
            return;
        }
        lock.lock();
        try {
            if (cellId.equals(queue.executing()) && queue.clearWaiting()) {
                announceQueue();
            }
        } finally {
            lock.unlock();
        }
    }

    /** §6.3: the kernel went idle after the cell's request: it is done, and the next one goes. */
    private void finishCell(String cellId) {
        outputs.finishCell(cellId);
        lock.lock();
        try {
            if (queue.finish(cellId)) {
                if (!firstCellDone) {
                    firstCellDone = true;
                    started.afterFirstCell().run();
                }
                status = "idle";
                sendNext(List.of(new NotebookBroadcast.ExecutionDone(cellId), queueChanged()));
            }
        } finally {
            lock.unlock();
        }
        room.cellFinished();
    }

    @Override
    public void onShellReply(KernelMessage m) {
        if (!"execute_reply".equals(m.msgType())) {
            return;
        }
        String cellId = cellOf(m);
        if (cellId != null) {
            outputs.onExecuteReply(cellId, m);
        }
    }

    /** The cell whose request {@code m} answers, or null (another request, or an older run of the cell). */
    private String cellOf(KernelMessage m) {
        String parent = m.parentMsgId();
        if (parent == null) {
            return null;
        }
        lock.lock();
        try {
            return cellByMsgId.get(parent);
        } finally {
            lock.unlock();
        }
    }

    /** §5.9 (ours): the kernel died by itself. */
    @Override
    public void onDeath(String reason) {
        LOG.warn("kernel {} died: {}", started.kernel().id(), reason);
        if (end()) {
            started.environment().delete();
        }
    }

    /** §5.8 (ours): shutdown on control, then TERM, then KILL; the windows hear it as for a death. */
    void shutdown() {
        if (end()) {
            started.kernel().shutdown();
            started.environment().delete();
        }
    }

    /**
     * Marks the session over (once): status, queue, the executing cell's outputs, the room's slot,
     * and only then the broadcasts: a window that hears of the end and asks at once (get_kernel_info,
     * launch_kernel) finds no kernel, never this dead one. False if it already was over.
     */
    private boolean end() {
        String wasExecuting;
        NotebookBroadcast emptied;
        lock.lock();
        try {
            if (gone) {
                return false;
            }
            gone = true;
            status = "shutdown";
            if (!firstCellDone) {
                firstCellDone = true;
                started.afterFirstCell().run();
            }
            wasExecuting = queue.abandon();
            emptied = queueChanged();
        } finally {
            lock.unlock();
        }
        if (wasExecuting != null) {
            outputs.finishCell(wasExecuting);
        }
        outputs.reset();
        whenGone.accept(this, () -> {
            room.announce(new NotebookBroadcast.KernelStatus("shutdown", null));
            if (wasExecuting != null) {
                room.announce(new NotebookBroadcast.ExecutionDone(wasExecuting));
            }
            room.announce(emptied);
        });
        return true;
    }

    /** §5.8 (ours): interrupt on control, SIGINT when the kernel does not answer; waiting cells are dropped. */
    void interrupt() {
        started.kernel().interrupt();
        lock.lock();
        try {
            queue.clearWaiting();
            announceQueue();
        } finally {
            lock.unlock();
        }
    }

    /** §7.8: a client's Jupyter message, sent on shell with its header unchanged. */
    NotebookResponse sendComm(JsonNode message) {
        if (!(message instanceof ObjectNode msg) || !msg.path("header").isObject()) {
            return new NotebookResponse.Error("Failed to send comm message: Missing header in comm message");
        }
        if (!msg.has("content") || msg.get("content").isNull()) {
            return new NotebookResponse.Error("Failed to send comm message: Missing content in comm message");
        }
        List<byte[]> buffers = new ArrayList<>();
        if (msg.path("buffers").isArray()) {
            for (JsonNode buffer : msg.get("buffers")) {
                byte[] bytes = new byte[buffer.size()];
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) (buffer.get(i).asLong() & 0xff);
                }
                buffers.add(bytes);
            }
        }
        try {
            started.kernel().sendShell(msg, buffers);
        } catch (KernelGoneException e) {
            return new NotebookResponse.Error("Failed to send comm message: No kernel running");
        }
        outputs.clientMessage(msg);
        return new NotebookResponse.Ok();
    }

    /** §7.10: {@code complete_request}, 5 s. */
    NotebookResponse complete(String code, int cursorPos) {
        ObjectNode content = Json.MAPPER.createObjectNode();
        content.put("code", code);
        content.put("cursor_pos", cursorPos);
        try {
            ObjectNode reply = shellRequest("complete_request", content);
            List<CompletionItem> items = new ArrayList<>();
            for (JsonNode match : reply.path("matches")) {
                items.add(new CompletionItem(match.asText(), null, null, "kernel"));
            }
            return new NotebookResponse.CompletionResult(items, reply.path("cursor_start").asInt(cursorPos),
                    reply.path("cursor_end").asInt(cursorPos));
        } catch (TimeoutException e) {
            return new NotebookResponse.Error("Failed to get completions: Completion request timed out");
        } catch (ExecutionException | KernelGoneException e) {
            return new NotebookResponse.Error("Failed to get completions: Completion request cancelled");
        }
    }

    /** §7.10: {@code history_request} (search), 5 s. */
    NotebookResponse history(String pattern, int n, boolean unique) {
        ObjectNode content = Json.MAPPER.createObjectNode();
        content.put("output", false);
        content.put("raw", true);
        content.put("hist_access_type", "search");
        content.put("pattern", pattern == null ? "*" : pattern);
        content.put("unique", unique);
        content.put("n", n);
        try {
            ObjectNode reply = shellRequest("history_request", content);
            List<HistoryEntry> entries = new ArrayList<>();
            for (JsonNode h : reply.path("history")) {
                if (h instanceof ArrayNode a && a.size() >= 3) {
                    JsonNode input = a.get(2);
                    String source = input.isArray() ? input.path(0).asText() : input.asText();
                    entries.add(new HistoryEntry(a.get(0).asInt(), a.get(1).asInt(), source));
                }
            }
            return new NotebookResponse.HistoryResult(entries);
        } catch (TimeoutException e) {
            return new NotebookResponse.Error("Failed to get history: History request timed out");
        } catch (ExecutionException | KernelGoneException e) {
            return new NotebookResponse.Error("Failed to get history: History request cancelled");
        }
    }

    private ObjectNode shellRequest(String msgType, ObjectNode content) throws TimeoutException, ExecutionException {
        try {
            return started.kernel().request(msgType, content)
                    .get(KERNEL_REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).content();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutionException(e);
        }
    }

    /** §3: iopub's {@code terminating} and {@code dead} reach clients as {@code shutdown}. */
    static String wireStatus(String state) {
        return switch (state) {
            case "busy", "idle", "starting", "restarting" -> state;
            case "terminating", "dead" -> "shutdown";
            default -> "unknown";
        };
    }

    @Override
    public String toString() {
        return "kernel " + started.kernel().id();
    }
}
