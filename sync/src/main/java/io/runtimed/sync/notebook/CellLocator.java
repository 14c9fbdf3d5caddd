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
 * <p>With the document's structure version ({@link io.runtimed.sync.DocumentOwner#structureVersion()}),
 * a place checked at that very version is not read again: no cell moved, came or went since. A
 * kernel's outputs do not move that version, so its next output to the same cell costs no read to
 * find it when nothing else changed.
 *
 * <p>Ids are unique in a well-formed notebook; where two cells share one (two windows moved the
 * same cell at once), it finds one of them, not necessarily the first in list order as
 * {@link NotebookDoc#cellObject} does: fine for where outputs go, not for which code runs.
 * Not thread-safe: one per document, used under its owner's lock.
 */
public final class CellLocator {
    /** Where a cell was, and in which of this locator's generations that was last seen true. */
    private record Place(ObjectId cell, int index, long generation) {
    }

    private static final long NO_VERSION = -1;

    private final Map<String, Place> places = new HashMap<>();
    /**
     * Places seen in the current generation hold for the document at {@link #generationVersion};
     * a lookup at another version starts a new generation (nothing to forget per cell).
     */
    private long generation;
    private long generationVersion = NO_VERSION;

    /** The Map of the cell with {@code id} (for duplicated ids see the class comment). */
    public Optional<ObjectId> find(Read doc, String id) {
        return find(doc, id, NO_VERSION);
    }

    /**
     * As {@link #find(Read, String)} on the document at structure version {@code version} (never
     * negative): a place seen at this version is returned without a read.
     */
    public Optional<ObjectId> find(Read doc, String id, long version) {
        Place known = places.get(id);
        if (version == NO_VERSION || version != generationVersion) {
            generation++;
            generationVersion = version;
        } else if (known != null && known.generation() == generation) {
            return Optional.of(known.cell());
        }
        Optional<ObjectId> cells = NotebookDoc.cellsList(doc);
        if (cells.isEmpty()) {
            return Optional.empty();
        }
        if (known != null && doc.get(cells.get(), known.index()).orElse(null) instanceof AmValue.Map m
                && m.getId().equals(known.cell()) && isCell(doc, known.cell(), id)) {
            places.put(id, new Place(known.cell(), known.index(), generation));
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
                    places.put(itsId.get(), new Place(map.getId(), i, generation));
                    if (itsId.get().equals(id)) {
                        return Optional.of(map.getId());
                    }
                }
            }
        }
        places.keySet().retainAll(seen); // a whole walk: forget the cells that went
        return Optional.empty();
    }

    private static boolean isCell(Read doc, ObjectId cell, String id) {
        return NotebookDoc.cellId(doc, cell).filter(id::equals).isPresent();
    }
}
