package io.runtimed.outputs;

import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.notebook.CellLocator;
import io.runtimed.sync.notebook.NotebookDoc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;
import org.automerge.ObjectId;
import org.automerge.Transaction;

/**
 * The document side of the pipeline (KERNELS.md §7.2 steps 3–4): every edit of a cell's
 * {@code outputs} in one {@link DocumentOwner#changeOutputsOnly} each (a change peers may hear of before it
 * is durable, which leaves the cells' sources and order alone), then {@code documentChanged}
 * (the room tells its peers at once; the journal makes the edit durable right after, in its next
 * write) and, for a written output, the {@code output} broadcast with exactly the string stored.
 * Called under the router's lock only.
 *
 * <p><b>Cell starts.</b> A cell sent to the kernel loses its outputs (§6.5 (ours)) and gets the
 * count of its {@code execute_input} (§6.4 (ours)) in the same change as its first output, or its
 * end, or {@link OutputRouter#START_DELAY_NANOS} after the send, whichever comes first: a short
 * cell then costs one change (one journal write, one sync exchange with each window) instead of
 * three, which on two cores left the kernel less of the machine while it ran.
 */
final class CellOutputs {
    /** Where {@link #upsert} put the output: its index, and whether it replaced the previous one. */
    record Placed(int index, boolean replaced) {
    }

    /** A started cell whose outputs are still to be cleared, and the count its run got meanwhile. */
    private static final class Start {
        String count;
        /** The change's latest time, cancelled when something else makes it sooner. */
        Future<?> deadline;
    }

    private final DocumentOwner doc;
    private final Runnable documentChanged;
    private final Consumer<NotebookBroadcast> broadcasts;
    private final Map<String, Start> starts = new HashMap<>();
    /** Where the cells written to are: an output of the 200th cell does not walk 199 others. */
    private final CellLocator cells = new CellLocator();
    /** What the last output change left in its cell's outputs, at the version it made (or null). */
    private Written written;

    /**
     * A cell's outputs List as this writer's last change left it: its size and last element. True
     * while the document's version is still the one that change made (nothing has changed since).
     */
    private record Written(String cellId, ObjectId list, int size, String last, long version) {
        boolean holds(String id, long now) {
            return version == now && cellId.equals(id);
        }
    }

    CellOutputs(DocumentOwner doc, Runnable documentChanged, Consumer<NotebookBroadcast> broadcasts) {
        this.doc = doc;
        this.documentChanged = documentChanged;
        this.broadcasts = broadcasts;
    }

    DocumentOwner document() {
        return doc;
    }

    /**
     * The cell was sent to the kernel: its outputs are cleared with its next change (see above);
     * {@code deadline} schedules the latest time for that change.
     */
    void started(String cellId, Function<String, Future<?>> deadline) {
        takeStart(cellId);
        Start start = new Start();
        starts.put(cellId, start);
        start.deadline = deadline.apply(cellId);
    }

    /** Removes the cell's pending start, if any, and cancels its deadline. */
    private Start takeStart(String cellId) {
        Start start = starts.remove(cellId);
        if (start != null && start.deadline != null) {
            start.deadline.cancel(false);
        }
        return start;
    }

    /**
     * §6.4 (ours): the cell's run has {@code count}: kept for the start's change when that is still
     * to come, else written now.
     */
    void executionCount(String cellId, String count) {
        Start start = starts.get(cellId);
        if (start != null) {
            start.count = count;
            return;
        }
        if (doc.changeOutputsOnly(tx -> NotebookDoc.setExecutionCount(tx, cellId, count))) {
            documentChanged.run();
        }
    }

    /** Makes the cell's start (clear, count) a change of its own now, if it is still to come. */
    void flushStart(String cellId) {
        if (!starts.containsKey(cellId)) {
            return;
        }
        if (doc.changeOutputsOnly(tx -> cell(tx, cellId, false))) {
            documentChanged.run();
        }
    }

    /** {@link #flushStart} for every started cell. */
    void flushStarts() {
        for (String cellId : new ArrayList<>(starts.keySet())) {
            flushStart(cellId);
        }
    }

    /**
     * A cell found in a transaction. {@code emptyOutputs}: its outputs List, when this transaction
     * made it or found it empty (no need to read it again), else null. {@code overwrite}: the List whose
     * {@code stale} elements are the previous run's, left for the first output to overwrite (see
     * {@link #OVERWRITE_MAX}), else null.
     */
    private record Found(ObjectId cell, ObjectId emptyOutputs, ObjectId overwrite, int stale) {
        Found(ObjectId cell, ObjectId emptyOutputs) {
            this(cell, emptyOutputs, null, 0);
        }
    }

    /**
     * A started cell with at most this many outputs from its previous run, whose first new output
     * is written in the same change, keeps its List: the output takes the first element's place and
     * the others are deleted. Cheaper than a new List and an insert (one operation instead of three
     * for a cell that re-runs to one result), and a smaller change for every window to apply; a
     * window sees the same outputs either way.
     */
    static final int OVERWRITE_MAX = 2;

    /**
     * In a transaction on the cell: finds its Map once for all of the transaction's edits and makes
     * its pending start's edits first. Null for a cell that is missing (deleted meanwhile: its start
     * is dropped). {@code placing}: the caller places an output next, so a short List of the
     * previous run's outputs may be left for it to overwrite ({@link Found#overwrite}).
     */
    private Found cell(Transaction tx, String cellId, boolean placing) {
        Start start = takeStart(cellId);
        long version = doc.version();
        ObjectId cell = cells.find(tx, cellId, doc.structureVersion()).orElse(null);
        if (cell == null || start == null) {
            return cell == null ? null : new Found(cell, null);
        }
        if (start.count != null) {
            NotebookDoc.setExecutionCount(tx, cell, start.count);
        }
        Written w = written;
        ObjectId list;
        int size;
        if (w != null && w.holds(cellId, version)) {
            list = w.list();
            size = w.size();
        } else {
            list = NotebookDoc.outputsList(tx, cell).orElse(null);
            size = list == null ? 0 : (int) tx.length(list);
        }
        if (size == 0) {
            return new Found(cell, list);
        }
        if (placing && size <= OVERWRITE_MAX) {
            return new Found(cell, null, list, size);
        }
        return new Found(cell, NotebookDoc.replaceOutputs(tx, cell));
    }

    /**
     * Outputs := [] when the cell has any (an empty List is left as it is: no change). Returns the
     * new List when it cleared, else null.
     */
    private static ObjectId clearIfAny(Transaction tx, ObjectId cell) {
        Optional<ObjectId> outputs = NotebookDoc.outputsList(tx, cell);
        return outputs.isPresent() && tx.length(outputs.get()) > 0 ? NotebookDoc.replaceOutputs(tx, cell) : null;
    }

    /** The first output of a run over the previous run's {@code stale} outputs: index 0, the rest deleted. */
    private static void overwrite(Transaction tx, ObjectId list, int stale, String ref) {
        tx.set(list, 0, ref);
        for (int i = stale - 1; i >= 1; i--) {
            tx.delete(list, i);
        }
    }

    /** §7.2: appends {@code ref}; null when the cell is missing (then nothing happens). */
    Placed append(String cellId, String outputType, String ref) {
        return upsert(cellId, outputType, -1, null, ref);
    }

    /**
     * §7.3 upsert: replaces the element at {@code index} when it is still the last output and still
     * holds {@code expected}, else appends. Null when the cell is missing or has no outputs List.
     */
    Placed upsert(String cellId, String outputType, int index, String expected, String ref) {
        Placed[] placed = new Placed[1];
        long[] before = new long[1];
        Written[] after = new Written[1];
        boolean changed = doc.changeOutputsOnly(tx -> {
            before[0] = doc.version();
            Written w = written; // read before cell(), which may clear
            Found found = cell(tx, cellId, true);
            if (found == null) {
                return;
            }
            if (found.overwrite() != null) {
                overwrite(tx, found.overwrite(), found.stale(), ref);
                placed[0] = new Placed(0, false);
                after[0] = new Written(cellId, found.overwrite(), 1, ref, before[0] + 1);
                return;
            }
            ObjectId list;
            int size;
            if (found.emptyOutputs() != null) {
                list = found.emptyOutputs();
                size = 0;
            } else if (w != null && w.holds(cellId, before[0])) {
                list = w.list();
                size = w.size();
            } else {
                list = NotebookDoc.outputsList(tx, found.cell()).orElse(null);
                if (list == null) {
                    return;
                }
                size = (int) tx.length(list);
                w = null;
            }
            boolean lastIsExpected = expected != null && index >= 0 && index == size - 1
                    && (w != null ? expected.equals(w.last())
                            : NotebookDoc.listString(tx, list, index).filter(expected::equals).isPresent());
            if (lastIsExpected) {
                tx.set(list, index, ref);
                placed[0] = new Placed(index, true);
                after[0] = new Written(cellId, list, size, ref, before[0] + 1);
            } else {
                tx.insert(list, size, ref);
                placed[0] = new Placed(size, false);
                after[0] = new Written(cellId, list, size + 1, ref, before[0] + 1);
            }
        });
        if (changed) {
            written = after[0];
            documentChanged.run();
        }
        if (placed[0] != null) {
            broadcasts.accept(new NotebookBroadcast.Output(cellId, outputType, ref));
        }
        return placed[0];
    }

    /** Outputs := [] (skipped when already empty or the cell is missing); true when it cleared. */
    boolean clear(String cellId) {
        boolean changed = doc.changeOutputsOnly(tx -> {
            Found found = cell(tx, cellId, false);
            if (found != null && found.emptyOutputs() == null) {
                clearIfAny(tx, found.cell());
            }
        });
        if (changed) {
            documentChanged.run();
        }
        return changed;
    }

    /** §6.5: outputs := new empty List and execution_count := "null" (nothing for an unknown cell or a clear one). */
    void clearWithCount(String cellId) {
        takeStart(cellId); // the request's "null" count wins over the run's
        boolean changed = doc.changeOutputsOnly(tx -> NotebookDoc.clearOutputsAndCount(tx, cellId));
        if (changed) {
            documentChanged.run();
        }
    }

    void broadcast(NotebookBroadcast b) {
        broadcasts.accept(b);
    }

    void changed() {
        documentChanged.run();
    }
}
