package io.runtimed.sync.notebook;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.automerge.Read;

/**
 * What execute_cell reads of a cell ({@link NotebookDoc#code}), remembered while the document's
 * structure version ({@link io.runtimed.sync.DocumentOwner#structureVersion()}) stays the same:
 * a kernel's outputs do not move it, so running a cell again costs no read when only outputs
 * changed since (four calls into the binding, each slow with cold caches, on the way of every
 * execute_request). Any other change, a window's included, starts afresh. What it returns is what
 * {@link NotebookDoc#code} would: the first cell with the id in list order.
 *
 * <p>Not thread-safe: one per document, used under its owner's lock.
 */
public final class CellCodes {
    /** More ids than this between two structure changes: start afresh (a bound, not a policy). */
    static final int MAX_CELLS = 256;

    private long version = -1;
    private final Map<String, Optional<NotebookDoc.CellCode>> known = new HashMap<>();

    /** The cell's type and source in {@code doc} at {@code structureVersion} (never negative). */
    public Optional<NotebookDoc.CellCode> code(Read doc, String id, long structureVersion) {
        if (structureVersion != version || known.size() >= MAX_CELLS) {
            known.clear();
            version = structureVersion;
        }
        Optional<NotebookDoc.CellCode> code = known.get(id);
        if (code == null) {
            code = NotebookDoc.code(doc, id);
            known.put(id, code);
        }
        return code;
    }
}
