package io.runtimed.outputs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.kernel.KernelMessage;
import io.runtimed.protocol.CommBuffer;
import io.runtimed.protocol.CommSnapshot;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.sync.DocumentOwner;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * KERNELS.md §7: one room's output pipeline, from a kernel's iopub messages (and execute_reply
 * payloads) to edits of the room's document, manifests in the blob store and broadcasts. A facade
 * over one class per concern: {@link StreamBuffers} (streams, coalescing, flush policy),
 * {@link OutputManifest} and {@link ContentRef} (§8), {@link DisplayUpdates} (§7.5),
 * {@link CommState} (§7.8) and {@link OutputCapture} (§7.9); {@link CellOutputs} makes the edits.
 *
 * <p><b>Threading.</b> One {@link ReentrantLock} per router guards all of its state, and every
 * public method holds it for its whole run: iopub messages (one thread, in order), the queue's
 * calls, request threads ({@link #clearOutputs}, {@link #comms}, {@link #clientMessage}) and the
 * scheduled stream flushes are serialised. Document edits take the {@link DocumentOwner}'s lock
 * inside this one (the order is always router, then document), and {@code documentChanged} and the
 * broadcast consumer are called under this lock, so peers see edits and broadcasts in pipeline
 * order; neither may call back into the router, and both should return quickly (hand off, not
 * wait for the disk).
 *
 * <p><b>Scheduler.</b> Stream flushes run on the {@link ScheduledExecutorService} given to the
 * constructor, which the router does not own. The daemon is meant to share one for all rooms:
 * {@link #newFlushScheduler()}, a single daemon thread named {@code output-flush}.
 */
public final class OutputRouter implements AutoCloseable {
    /** The longest a started cell's old outputs stay in the document when nothing else changes it sooner. */
    static final long START_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final ReentrantLock lock = new ReentrantLock();
    private final ScheduledExecutorService flushScheduler;
    private final CellOutputs outputs;
    private final OutputBlobs blobs;
    private final StreamBuffers streams;
    private final DisplayUpdates displays;
    private final CommState comms = new CommState();
    private final OutputCapture capture = new OutputCapture();
    private boolean closed;

    /**
     * @param doc             the room's document
     * @param blobs           the daemon's blob store as the pipeline uses it (share one among rooms)
     * @param documentChanged runs after every daemon-side edit, so the room sends peers a sync message
     * @param broadcasts      receives every broadcast for the room's peers
     * @param flushScheduler  runs the delayed stream writes; not shut down by {@link #close()}
     */
    public OutputRouter(DocumentOwner doc, OutputBlobs blobs, Runnable documentChanged,
                        Consumer<NotebookBroadcast> broadcasts, ScheduledExecutorService flushScheduler) {
        this(doc, blobs, documentChanged, broadcasts, flushScheduler, System::nanoTime);
    }

    /** As above, with the clock the stream flush policy reads (tests set the time by hand). */
    OutputRouter(DocumentOwner doc, OutputBlobs blobs, Runnable documentChanged,
                 Consumer<NotebookBroadcast> broadcasts, ScheduledExecutorService flushScheduler, LongSupplier nanoTime) {
        this.outputs = new CellOutputs(doc, documentChanged, broadcasts);
        this.blobs = blobs;
        this.displays = new DisplayUpdates(new ManifestResolver(blobs), blobs);
        this.streams = new StreamBuffers(outputs, blobs, displays, flushScheduler, lock, nanoTime);
        this.flushScheduler = flushScheduler;
    }

    /** One thread for the stream flushes of every room: {@code output-flush}, a daemon thread. */
    public static ScheduledExecutorService newFlushScheduler() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "output-flush");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        return Executors.unconfigurableScheduledExecutorService(executor);
    }

    // ---- iopub -------------------------------------------------------------------------------

    /**
     * §7.1: one iopub message. {@code cellId} is the cell its parent request maps to (the caller
     * resolves it), or null; outputs without a cell are dropped unless an Output widget captures
     * them. {@code status}, {@code execute_input} and other types are not the pipeline's.
     */
    public void onIopub(KernelMessage m, String cellId) {
        String type = m.msgType();
        if (type == null) {
            return;
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            switch (type) {
                case NbformatOutputs.STREAM, NbformatOutputs.DISPLAY_DATA, NbformatOutputs.EXECUTE_RESULT,
                        NbformatOutputs.ERROR -> output(m, cellId);
                case "clear_output" -> clearOutput(m, cellId);
                case "update_display_data" -> updateDisplay(m.content());
                case "comm_open", "comm_msg", "comm_close" -> comm(m);
                default -> {
                    // status, execute_input: the queue's; debug_event and others: ignored (§7.1)
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void output(KernelMessage m, String cellId) {
        ObjectNode nb = NbformatOutputs.fromIopub(m).orElseThrow();
        Optional<String> widget = capture.target(m.parentMsgId());
        if (widget.isPresent()) {
            ObjectNode content = Json.MAPPER.createObjectNode();
            content.put("method", "output");
            content.set("output", nb);
            sendToWidget(widget.get(), content);
            return;
        }
        if (cellId == null) {
            return;
        }
        applyPendingClear(cellId);
        if (NbformatOutputs.STREAM.equals(m.msgType())) {
            streams.chunk(cellId, nb.get("name").asText(), nb.get("text").asText());
            return;
        }
        writeOutput(cellId, nb);
    }

    /** §7.4: display_data, execute_result, error (and §7.7 pages): the cell's streams end first. */
    private void writeOutput(String cellId, ObjectNode nb) {
        streams.endStreams(cellId);
        String type = nb.get("output_type").asText();
        String ref = OutputManifest.store(nb, blobs.session(false));
        if (outputs.append(cellId, type, ref) != null) {
            streams.cell(cellId).lastRef = ref;
            displays.record(ref, nb);
        }
    }

    /** §7.6 "(ours)" and §7.9: Jupyter's clear_output. */
    private void clearOutput(KernelMessage m, String cellId) {
        boolean wait = m.content() != null && m.content().path("wait").asBoolean(false);
        Optional<String> widget = capture.target(m.parentMsgId());
        if (widget.isPresent()) {
            ObjectNode content = Json.MAPPER.createObjectNode();
            content.put("method", "clear_output");
            content.put("wait", wait);
            sendToWidget(widget.get(), content);
            return;
        }
        if (cellId == null) {
            return;
        }
        if (wait) {
            streams.cell(cellId).clearPending = true;
        } else {
            clearNow(cellId);
        }
    }

    private void applyPendingClear(String cellId) {
        StreamBuffers.Cell cell = streams.existing(cellId);
        if (cell != null && cell.clearPending) {
            clearNow(cellId);
        }
    }

    /** Outputs := [] and stream state dropped, then {@code outputs_cleared}. */
    private void clearNow(String cellId) {
        streams.dropStreams(cellId);
        streams.cell(cellId).clearPending = false;
        outputs.clear(cellId);
        outputs.broadcast(new NotebookBroadcast.OutputsCleared(cellId));
    }

    /** §7.5: a display update without a string {@code transient.display_id} is ignored entirely. */
    private void updateDisplay(ObjectNode content) {
        String displayId = NbformatOutputs.displayId(content);
        if (displayId == null) {
            return;
        }
        ObjectNode data = OutputJson.sortedObject(content, "data");
        ObjectNode metadata = OutputJson.sortedObject(content, "metadata");
        for (DisplayUpdates.Replaced r : displays.update(outputs, displayId, data, metadata)) {
            StreamBuffers.Cell cell = streams.existing(r.cellId());
            if (cell != null && r.oldRef().equals(cell.lastRef)) {
                cell.lastRef = r.newRef();
            }
        }
        outputs.broadcast(new NotebookBroadcast.DisplayUpdate(displayId, data, metadata));
    }

    // ---- comms -------------------------------------------------------------------------------

    /** §7.8: kernel comm messages update the room's comm state and go to every peer. */
    private void comm(KernelMessage m) {
        ObjectNode c = m.content() == null ? Json.MAPPER.createObjectNode() : m.content();
        String commId = c.path("comm_id").asText("");
        JsonNode data = c.get("data") != null && c.get("data").isObject() ? c.get("data") : Json.MAPPER.createObjectNode();
        ObjectNode wire = Json.MAPPER.createObjectNode();
        wire.put("comm_id", commId);
        switch (m.msgType()) {
            case "comm_open" -> {
                String target = c.path("target_name").asText("");
                wire.put("target_name", target);
                wire.set("data", data);
                if (c.path("target_module").isTextual()) {
                    wire.put("target_module", c.get("target_module").textValue());
                }
                comms.open(commId, target, data, m.buffers());
            }
            case "comm_msg" -> {
                wire.set("data", data);
                if (comms.update(commId, data, m.buffers()) && comms.isOutputWidget(commId)) {
                    JsonNode msgId = data.path("state").get("msg_id");
                    if (msgId != null && msgId.isTextual()) {
                        capture.capture(commId, msgId.textValue());
                    }
                }
            }
            default -> {
                wire.set("data", data);
                comms.close(commId);
                capture.release(commId);
            }
        }
        List<CommBuffer> buffers = new ArrayList<>();
        for (byte[] b : m.buffers()) {
            buffers.add(CommBuffer.of(b));
        }
        outputs.broadcast(new NotebookBroadcast.Comm(m.msgType(), wire, buffers));
    }

    /** §7.9: an output (or clear) for an Output widget goes to the windows as a custom comm_msg. */
    private void sendToWidget(String commId, ObjectNode content) {
        ObjectNode wire = Json.MAPPER.createObjectNode();
        wire.put("comm_id", commId);
        ObjectNode data = wire.putObject("data");
        data.put("method", "custom");
        data.set("content", content);
        outputs.broadcast(new NotebookBroadcast.Comm("comm_msg", wire, List.of()));
    }

    /**
     * §7.8 "(ours)": a client's {@code send_comm} message (a full Jupyter message) as it goes to
     * the kernel: an {@code update} merges into the comm state, opens and closes are tracked, so
     * that windows joining later see what the user set. Buffers are arrays of numbers (mod 256).
     */
    public void clientMessage(JsonNode message) {
        if (message == null || !message.isObject()) {
            return;
        }
        String type = message.path("header").path("msg_type").asText("");
        JsonNode c = message.path("content");
        String commId = c.path("comm_id").asText(null);
        if (commId == null) {
            return;
        }
        List<byte[]> buffers = new ArrayList<>();
        for (JsonNode b : message.path("buffers")) {
            byte[] bytes = new byte[b.size()];
            for (int i = 0; i < b.size(); i++) {
                bytes[i] = (byte) b.get(i).asLong();
            }
            buffers.add(bytes);
        }
        lock.lock();
        try {
            switch (type) {
                case "comm_open" -> comms.open(commId, c.path("target_name").asText(""), c.get("data"), buffers);
                case "comm_msg" -> comms.update(commId, c.get("data"), buffers);
                case "comm_close" -> {
                    comms.close(commId);
                    capture.release(commId);
                }
                default -> {
                    // other client messages change no comm state
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** §7.8: every live comm in comm-open order, for {@code comm_sync} to a newly connected peer. */
    public List<CommSnapshot> comms() {
        lock.lock();
        try {
            return comms.snapshots();
        } finally {
            lock.unlock();
        }
    }

    // ---- the queue's and the requests' calls -------------------------------------------------

    /**
     * §6.5 "(ours)": the cell was sent to the kernel: its stream state is dropped now, and its
     * outputs are cleared in the document with its first output, its end, or
     * {@link #START_DELAY_NANOS} from now, whichever comes first (one change for a short cell:
     * {@link CellOutputs}). No broadcast: peers see the document change.
     */
    public void cellStarted(String cellId) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            streams.dropStreams(cellId);
            streams.cell(cellId).clearPending = false;
            try {
                outputs.started(cellId, id -> flushScheduler.schedule(() -> flushStart(id), START_DELAY_NANOS,
                        TimeUnit.NANOSECONDS));
            } catch (RejectedExecutionException e) {
                outputs.flushStart(cellId); // the daemon is stopping: no later than now
            }
        } finally {
            lock.unlock();
        }
    }

    /** §6.4 (ours): the count of the cell's {@code execute_input}, into the document with its start. */
    public void executionCount(String cellId, long count) {
        whileOpen(() -> outputs.executionCount(cellId, Long.toString(count)));
    }

    private void flushStart(String cellId) {
        whileOpen(() -> outputs.flushStart(cellId));
    }

    /** Runs {@code action} under the lock, unless the router is closed. */
    private void whileOpen(Runnable action) {
        lock.lock();
        try {
            if (!closed) {
                action.run();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * §6.5 {@code clear_outputs}: outputs := [], execution_count := "null", stream state reset,
     * then {@code outputs_cleared} (also for a cell that does not exist).
     */
    public void clearOutputs(String cellId) {
        lock.lock();
        try {
            if (!closed) {
                streams.dropStreams(cellId);
                streams.forgetCell(cellId);
                outputs.clearWithCount(cellId);
            }
            outputs.broadcast(new NotebookBroadcast.OutputsCleared(cellId));
        } finally {
            lock.unlock();
        }
    }

    /** §7.7: the page payloads ({@code ?}, {@code ??}) of an execute_reply, appended to the cell. */
    public void onExecuteReply(String cellId, KernelMessage reply) {
        lock.lock();
        try {
            if (closed || cellId == null) {
                return;
            }
            for (ObjectNode page : NbformatOutputs.pagePayloads(reply)) {
                applyPendingClear(cellId);
                writeOutput(cellId, page);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The cell's execution ended: its buffered stream text is written now, so when this returns
     * every output of the cell is in the document. A clear_output(wait=True) that no output
     * followed is dropped, leaving the outputs as they are (as Jupyter does).
     */
    public void finishCell(String cellId) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            streams.endStreams(cellId);
            outputs.flushStart(cellId);
            StreamBuffers.Cell cell = streams.existing(cellId);
            if (cell != null) {
                cell.clearPending = false;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Kernel launch or shutdown: buffered stream text is written, comms and captures forgotten. */
    public void reset() {
        lock.lock();
        try {
            if (!closed) {
                streams.endAll();
                outputs.flushStarts();
            }
            comms.clear();
            capture.clear();
        } finally {
            lock.unlock();
        }
    }

    /** How many manifests display updates had to read from the blob store (those this router did not write). */
    int manifestsReadForDisplayUpdates() {
        lock.lock();
        try {
            return displays.resolvedFromStore();
        } finally {
            lock.unlock();
        }
    }

    /** Writes what is buffered and stops: later calls do nothing. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            streams.close();
            outputs.flushStarts();
            comms.clear();
            capture.clear();
            closed = true;
        } finally {
            lock.unlock();
        }
    }
}
