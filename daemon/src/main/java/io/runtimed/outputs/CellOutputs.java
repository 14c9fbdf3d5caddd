package io.runtimed.outputs;

import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.notebook.NotebookDoc;
import org.automerge.Transaction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The document side of the pipeline (KERNELS.md §7.2 steps 3–4): every edit of a cell's
 * {@code outputs} in one {@link DocumentOwner#changeEventually} each, then {@code documentChanged}
 * (the room tells its peers at once; the journal makes the edit durable right after, in its next
 * write) and, for a written output, the {@code output} broadcast with exactly the string stored.
 * Called under the router's lock only.
 */
final class CellOutputs {
    /** Where {@link #upsert} put the output: its index, and whether it replaced the previous one. */
    record Placed(int index, boolean replaced) {
    }

    private final DocumentOwner doc;
    private final Runnable documentChanged;
    private final Consumer<NotebookBroadcast> broadcasts;
    /** §6.4 (ours): execute_input counts not yet in the document, by cell; written with the cell's next edit. */
    private final Map<String, Long> counts = new HashMap<>();

    CellOutputs(DocumentOwner doc, Runnable documentChanged, Consumer<NotebookBroadcast> broadcasts) {
        this.doc = doc;
        this.documentChanged = documentChanged;
        this.broadcasts = broadcasts;
    }

    DocumentOwner document() {
        return doc;
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
        boolean changed = doc.changeEventually(tx -> {
            writeCount(tx, cellId);
            List<String> outputs = NotebookDoc.outputs(tx, cellId).orElse(null);
            if (outputs == null) {
                return;
            }
            int last = outputs.size() - 1;
            if (expected != null && index >= 0 && index == last && expected.equals(outputs.get(index))) {
                NotebookDoc.replaceOutput(tx, cellId, index, ref);
                placed[0] = new Placed(index, true);
            } else if (NotebookDoc.appendOutput(tx, cellId, ref)) {
                placed[0] = new Placed(outputs.size(), false);
            }
        });
        if (changed) {
            documentChanged.run();
        }
        if (placed[0] != null) {
            broadcasts.accept(new NotebookBroadcast.Output(cellId, outputType, ref));
        }
        return placed[0];
    }

    /**
     * The cell's {@code execution_count} is to be {@code count}: written in the same change as the
     * cell's next output (one document change, one journal write and one sync message less while
     * the kernel runs the cell), or by {@link #writeCounts} when the cell ends without one.
     */
    void countLater(String cellId, long count) {
        counts.put(cellId, count);
    }

    /** Writes the pending count of {@code cellId} (if any) in its own change. */
    void writeCount(String cellId) {
        if (counts.containsKey(cellId) && doc.changeEventually(tx -> writeCount(tx, cellId))) {
            documentChanged.run();
        }
    }

    /** Writes every pending count (a kernel launch, shutdown or the room's end). */
    void writeCounts() {
        for (String cellId : new ArrayList<>(counts.keySet())) {
            writeCount(cellId);
        }
    }

    private void writeCount(Transaction tx, String cellId) {
        Long count = counts.remove(cellId);
        if (count != null) {
            NotebookDoc.setExecutionCount(tx, cellId, Long.toString(count));
        }
    }

    /** Outputs := [] (skipped when already empty or the cell is missing); true when it cleared. */
    boolean clear(String cellId) {
        boolean changed = doc.changeEventually(tx -> {
            List<String> outputs = NotebookDoc.outputs(tx, cellId).orElse(null);
            if (outputs != null && !outputs.isEmpty()) {
                NotebookDoc.clearOutputs(tx, cellId);
            }
        });
        if (changed) {
            documentChanged.run();
        }
        return changed;
    }

    /** §6.5: outputs := new empty List and execution_count := "null" (nothing for an unknown cell). */
    void clearWithCount(String cellId) {
        counts.remove(cellId);
        boolean changed = doc.changeEventually(tx -> {
            if (NotebookDoc.clearOutputs(tx, cellId)) {
                NotebookDoc.setExecutionCount(tx, cellId, NotebookDoc.NO_EXECUTION_COUNT);
            }
        });
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
