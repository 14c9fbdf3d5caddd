package io.runtimed.sync.notebook;

import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.SnapshotKeeper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.automerge.AmValue;
import org.automerge.ObjectId;
import org.automerge.Patch;
import org.automerge.PatchAction;
import org.automerge.PathElement;
import org.automerge.Prop;
import org.automerge.Read;

/**
 * A window's notebook snapshot kept current from Automerge's patches. A kernel's output changes a
 * cell's {@code execution_count} and {@code outputs}: those patches are applied to the snapshot
 * before, with no read of the document at all; a cell whose other fields changed (its source, its
 * type) is read again alone; anything outside the cells' contents (their order, the notebook id,
 * the metadata) reads the whole document, as does a snapshot that leaves part of the cells out
 * (an element without a Str id, an output that is not a Str: its indices are not the document's).
 * A whole read costs a few calls into Automerge per cell; on the way of every output to a window
 * of a large notebook, that was most of the window's work.
 */
public final class NotebookSnapshots implements SnapshotKeeper<NotebookSnapshot> {
    /**
     * Below this many cells a whole read is as cheap as recording and reading patches (the patch
     * log is made and freed, and its patches built, through the binding on every receive: measured
     * apart, about 0.1 ms more than a whole read for one cell, even at four, less from there on).
     */
    static final int PATCH_MIN_CELLS = 4;

    private NotebookSnapshot last;
    /** {@link #last} holds every element of the document's cells and of their outputs. */
    private boolean exact;
    /** The document's version {@link #last} is of; -1 for none. */
    private long version = -1;
    /** How many snapshots were read whole (the rest were patched). */
    private long wholeReads;

    @Override
    public NotebookSnapshot read(Read doc, long version) {
        boolean[] whole = {true};
        wholeReads++;
        last = NotebookDoc.snapshot(doc, whole);
        exact = whole[0];
        this.version = version;
        return last;
    }

    @Override
    public boolean worthPatching() {
        return last != null && exact && last.cells().size() >= PATCH_MIN_CELLS;
    }

    @Override
    public NotebookSnapshot afterReceive(Read doc, long version, DocumentOwner.Received received) {
        if (last == null || !exact || this.version != received.before() || version != received.after()) {
            return read(doc, version);
        }
        Optional<NotebookSnapshot> patched = patched(doc, received.patches());
        if (patched.isEmpty()) {
            return read(doc, version);
        }
        last = patched.get();
        this.version = version;
        return last;
    }

    long wholeReads() {
        return wholeReads;
    }

    /** A cell the patches touch: what they set, or that it must be read again. */
    private static final class Touched {
        final ObjectId cell;
        String count;
        List<String> outputs;
        boolean reread;

        Touched(NotebookCell before, ObjectId cell) {
            this.cell = cell;
            this.count = before.executionCount();
            this.outputs = new ArrayList<>(before.outputs());
        }
    }

    /** The snapshot after {@code patches}, or empty when the whole document must be read. */
    private Optional<NotebookSnapshot> patched(Read doc, List<Patch> patches) {
        List<NotebookCell> cells = last.cells();
        Map<Integer, Touched> touched = new HashMap<>();
        for (Patch p : patches) {
            List<PathElement> path = p.getPath();
            if (path.size() < 2 || !(path.get(0).getProp() instanceof Prop.Key k && k.getValue().equals(NotebookDoc.CELLS))
                    || !(path.get(1).getProp() instanceof Prop.Index index)
                    || index.getValue() < 0 || index.getValue() >= cells.size()) {
                return Optional.empty();
            }
            int i = (int) index.getValue();
            ObjectId cell = path.size() == 2 ? p.getObj() : path.get(2).getObjectId();
            Touched t = touched.computeIfAbsent(i, n -> new Touched(cells.get(n), cell));
            if (!t.reread && !apply(t, path, p.getAction())) {
                t.reread = true;
            }
        }
        List<NotebookCell> out = new ArrayList<>(cells);
        for (Map.Entry<Integer, Touched> e : touched.entrySet()) {
            NotebookCell before = cells.get(e.getKey());
            Touched t = e.getValue();
            if (t.reread) {
                boolean[] whole = {true};
                Optional<NotebookCell> again = NotebookDoc.readCell(doc, t.cell, null, whole);
                if (again.isEmpty() || !whole[0]) {
                    return Optional.empty();
                }
                out.set(e.getKey(), again.get());
            } else {
                out.set(e.getKey(), new NotebookCell(before.id(), before.cellType(), before.source(), t.count, t.outputs));
            }
        }
        return Optional.of(new NotebookSnapshot(last.notebookId(), out, last.metadata()));
    }

    /**
     * Applies one patch inside cell {@code t}; false when it is not one this keeps (the cell is
     * then read again).
     */
    private static boolean apply(Touched t, List<PathElement> path, PatchAction action) {
        if (path.size() == 2) {
            return applyToCell(t, action);
        }
        boolean inOutputs = path.get(2).getProp() instanceof Prop.Key k && k.getValue().equals(NotebookDoc.OUTPUTS);
        if (path.size() == 3 && inOutputs) {
            return applyToOutputs(t.outputs, action);
        }
        // inside the source, or inside an element of the outputs: read again; anything else in a
        // cell (a nested value under another key) is not part of the snapshot
        boolean inSource = path.get(2).getProp() instanceof Prop.Key k && k.getValue().equals(NotebookDoc.SOURCE);
        return !inSource && !inOutputs;
    }

    /** A patch of the cell's Map itself. */
    private static boolean applyToCell(Touched t, PatchAction action) {
        if (action instanceof PatchAction.PutMap put) {
            if (put.isConflict()) {
                return false;
            }
            return switch (put.getKey()) {
                case NotebookDoc.EXECUTION_COUNT -> {
                    t.count = put.getValue() instanceof AmValue.Str s ? s.getValue() : NotebookDoc.NO_EXECUTION_COUNT;
                    yield true;
                }
                case NotebookDoc.OUTPUTS -> {
                    // a new List: its elements come as patches of their own
                    t.outputs = new ArrayList<>();
                    yield put.getValue() instanceof AmValue.List;
                }
                case NotebookDoc.ID, NotebookDoc.CELL_TYPE, NotebookDoc.SOURCE -> false;
                default -> true; // another key: not part of the snapshot
            };
        }
        if (action instanceof PatchAction.DeleteMap delete) {
            return switch (delete.getKey()) {
                case NotebookDoc.EXECUTION_COUNT -> {
                    t.count = NotebookDoc.NO_EXECUTION_COUNT;
                    yield true;
                }
                case NotebookDoc.OUTPUTS -> {
                    t.outputs = new ArrayList<>();
                    yield true;
                }
                case NotebookDoc.ID, NotebookDoc.CELL_TYPE, NotebookDoc.SOURCE -> false;
                default -> true;
            };
        }
        return false;
    }

    /** A patch of the cell's outputs List: Str elements set, inserted, deleted. */
    private static boolean applyToOutputs(List<String> outputs, PatchAction action) {
        if (action instanceof PatchAction.PutList put) {
            long i = put.getIndex();
            if (put.isConflict() || !(put.getValue() instanceof AmValue.Str s) || i < 0 || i >= outputs.size()) {
                return false;
            }
            outputs.set((int) i, s.getValue());
            return true;
        }
        if (action instanceof PatchAction.Insert insert) {
            long i = insert.getIndex();
            if (i < 0 || i > outputs.size()) {
                return false;
            }
            List<String> values = new ArrayList<>();
            for (AmValue v : insert.getValues()) {
                if (!(v instanceof AmValue.Str s)) {
                    return false;
                }
                values.add(s.getValue());
            }
            outputs.addAll((int) i, values);
            return true;
        }
        if (action instanceof PatchAction.DeleteList delete) {
            long i = delete.getIndex();
            long n = delete.getLength();
            if (i < 0 || n < 0 || i + n > outputs.size()) {
                return false;
            }
            outputs.subList((int) i, (int) (i + n)).clear();
            return true;
        }
        return false;
    }
}
