package io.runtimed.sync.notebook;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.automerge.AmValue;
import org.automerge.ObjectId;
import org.automerge.Read;

/**
 * Finds a cell's Map by id for a writer that comes back to the same cells again and again (a
 * kernel's outputs, a stream's every flush): {@link NotebookDoc#cellObject} walks the cells List
 * and reads each cell's id, one native call per cell before the one wanted, so an output of the
 * 200th cell cost 200 reads. This remembers where each cell was and checks that it is still there
 * (the List's element at that index is the same Map and still has the id: three reads, whatever
 * the notebook's size); only a cell that moved, went or was never seen costs a walk, which
 * remembers every cell it passes.
 *
 * <p>Ids are unique in a well-formed notebook; where two cells share one, it finds one of them.
 * Not thread-safe: one per document, used under its owner's lock.
 */
public final class CellLocator {
    private record Place(ObjectId cell, int index) {
    }

    private final Map<String, Place> places = new HashMap<>();

    /** The Map of the cell with {@code id}, as {@link NotebookDoc#cellObject} finds it. */
    public Optional<ObjectId> find(Read doc, String id) {
        Optional<ObjectId> cells = NotebookDoc.cellsList(doc);
        if (cells.isEmpty()) {
            return Optional.empty();
        }
        Place known = places.get(id);
        if (known != null && doc.get(cells.get(), known.index()).orElse(null) instanceof AmValue.Map m
                && m.getId().equals(known.cell()) && isCell(doc, known.cell(), id)) {
            return Optional.of(known.cell());
        }
        places.remove(id);
        Set<String> seen = new HashSet<>();
        AmValue[] items = doc.listItems(cells.get()).orElse(new AmValue[0]);
        for (int i = 0; i < items.length; i++) {
            if (items[i] instanceof AmValue.Map map) {
                Optional<String> itsId = NotebookDoc.cellId(doc, map.getId());
                // the first cell with an id, as the walk of NotebookDoc.cellObject
                if (itsId.isPresent() && seen.add(itsId.get())) {
                    places.put(itsId.get(), new Place(map.getId(), i));
                    if (itsId.get().equals(id)) {
                        return Optional.of(map.getId());
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isCell(Read doc, ObjectId cell, String id) {
        return NotebookDoc.cellId(doc, cell).filter(id::equals).isPresent();
    }
}
