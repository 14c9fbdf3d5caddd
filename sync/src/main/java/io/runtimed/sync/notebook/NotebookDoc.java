package io.runtimed.sync.notebook;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import io.runtimed.sync.NativeHandles;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.automerge.AmValue;
import org.automerge.Document;
import org.automerge.MapEntry;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.Read;
import org.automerge.Transaction;

/**
 * Every read and write of a notebook document (NOTEBOOK.md §1-§3), as functions of a {@link Read}
 * or an open {@link Transaction}: the caller owns the document and its lock (the daemon room's
 * {@link io.runtimed.sync.DocumentOwner}, a client's replica). Sources are Automerge Text edited
 * by minimal splices in code points; execution counts and outputs are Str.
 */
public final class NotebookDoc {
    public static final String NOTEBOOK_ID = "notebook_id";
    public static final String CELLS = "cells";
    public static final String METADATA = "metadata";
    public static final String RUNTIME = "runtime";
    public static final String ID = "id";
    public static final String CELL_TYPE = "cell_type";
    public static final String SOURCE = "source";
    public static final String EXECUTION_COUNT = "execution_count";
    public static final String OUTPUTS = "outputs";
    /** §1: a cell that never ran. */
    public static final String NO_EXECUTION_COUNT = "null";
    /** A cell's own keys (§1); any other Str key of a cell is cell metadata. */
    private static final java.util.Set<String> CELL_KEYS = java.util.Set.of(ID, CELL_TYPE, SOURCE, EXECUTION_COUNT, OUTPUTS);
    public static final String DEFAULT_RUNTIME = "python";

    /** What {@link #updateSource} found. */
    public enum SourceUpdate {
        /** The source now holds the new text (possibly unchanged). */
        UPDATED,
        /** No cell has that id. */
        CELL_NOT_FOUND,
        /** The cell's {@code source} is missing or not Text. */
        SOURCE_NOT_TEXT
    }

    private NotebookDoc() {
    }

    // ---- §1: the fresh document ----

    /**
     * The daemon's fresh document, in the spec's order and in one change: {@code notebook_id},
     * empty {@code cells}, {@code metadata.runtime = "python"}. Clients never create one (they
     * start empty, PROTOCOL.md §6.2). The caller frees it.
     */
    public static Document createFresh(String notebookId) {
        Document doc = NativeHandles.newDocument();
        try (Transaction tx = doc.startTransaction()) {
            tx.set(ObjectId.ROOT, NOTEBOOK_ID, notebookId);
            tx.set(ObjectId.ROOT, CELLS, ObjectType.LIST);
            ObjectId metadata = tx.set(ObjectId.ROOT, METADATA, ObjectType.MAP);
            tx.set(metadata, RUNTIME, DEFAULT_RUNTIME);
            tx.commit();
        } catch (RuntimeException e) {
            NativeHandles.free(doc);
            throw e;
        }
        return doc;
    }

    // ---- §2: reading ----

    public static Optional<String> notebookId(Read doc) {
        return string(doc, ObjectId.ROOT, NOTEBOOK_ID);
    }

    /** The cells by the §2 rules: elements that are not a Map with a Str id are skipped. */
    public static List<NotebookCell> cells(Read doc) {
        return cellsOf(doc, cellsList(doc));
    }

    private static List<NotebookCell> cellsOf(Read doc, Optional<ObjectId> cells) {
        return cellsOf(doc, cells, null);
    }

    /** {@code exact}, when given: set false when an element was skipped (see {@link #snapshot(Read, boolean[])}). */
    private static List<NotebookCell> cellsOf(Read doc, Optional<ObjectId> cells, boolean[] exact) {
        List<NotebookCell> out = new ArrayList<>();
        if (cells.isEmpty()) {
            return out;
        }
        for (AmValue item : doc.listItems(cells.get()).orElse(new AmValue[0])) {
            Optional<NotebookCell> cell = item instanceof AmValue.Map map
                    ? readCell(doc, map.getId(), null, exact) : Optional.empty();
            cell.ifPresent(out::add);
            if (cell.isEmpty() && exact != null) {
                exact[0] = false;
            }
        }
        return out;
    }

    /** §2: the first cell in list order whose id matches. */
    public static Optional<NotebookCell> cell(Read doc, String id) {
        return cellObject(doc, id).flatMap(c -> readCell(doc, c, null, null));
    }

    /** A cell's type and source: what running it needs. */
    public record CellCode(String cellType, String source) {
    }

    /**
     * §2: the type and source of the first cell in list order whose id matches, read with as few
     * calls into the library as that takes (one map read per cell passed, the outputs not at all):
     * this read is on the way of every execute_cell to the kernel.
     */
    public static Optional<CellCode> code(Read doc, String id) {
        Optional<ObjectId> cells = cellsList(doc);
        if (cells.isEmpty()) {
            return Optional.empty();
        }
        for (AmValue item : doc.listItems(cells.get()).orElse(new AmValue[0])) {
            if (!(item instanceof AmValue.Map map)) {
                continue;
            }
            boolean matches = false;
            String cellType = "";
            ObjectId source = null;
            for (MapEntry e : doc.mapEntries(map.getId()).orElse(new MapEntry[0])) {
                AmValue v = e.getValue();
                switch (e.getKey()) {
                    case ID -> matches = v instanceof AmValue.Str s && s.getValue().equals(id);
                    case CELL_TYPE -> cellType = v instanceof AmValue.Str s ? s.getValue() : "";
                    case SOURCE -> source = v instanceof AmValue.Text text ? text.getId() : null;
                    default -> {
                    }
                }
            }
            if (matches) {
                return Optional.of(new CellCode(cellType, source == null ? "" : doc.text(source).orElse("")));
            }
        }
        return Optional.empty();
    }

    public static int cellCount(Read doc) {
        return cells(doc).size();
    }

    /** The Str values of {@code metadata} (others skipped), in key order. */
    public static Map<String, String> metadata(Read doc) {
        return metadataOf(doc, map(doc, ObjectId.ROOT, METADATA));
    }

    private static Map<String, String> metadataOf(Read doc, Optional<ObjectId> metadata) {
        Map<String, String> out = new LinkedHashMap<>();
        if (metadata.isPresent()) {
            for (MapEntry e : doc.mapEntries(metadata.get()).orElse(new MapEntry[0])) {
                if (e.getValue() instanceof AmValue.Str str) {
                    out.put(e.getKey(), str.getValue());
                }
            }
        }
        return out;
    }

    /** §3 get_metadata: a Str in {@code metadata}, or empty. */
    public static Optional<String> getMetadata(Read doc, String key) {
        return map(doc, ObjectId.ROOT, METADATA).flatMap(m -> string(doc, m, key));
    }

    /** The whole notebook as plain values (the id reads as "" when the document has none). */
    public static NotebookSnapshot snapshot(Read doc) {
        return snapshot(doc, null);
    }

    /**
     * {@link #snapshot(Read)}; {@code exact}, when given, is set false when the snapshot leaves out
     * part of the document's cells (an element of {@code cells} that is not a Map with a Str id,
     * an output that is not a Str): the snapshot's indices are then not the document's.
     */
    static NotebookSnapshot snapshot(Read doc, boolean[] exact) {
        // the root's keys in one native call: on a window's path after each change, the number of
        // calls counts more than what each returns (see readCell)
        String notebookId = "";
        Optional<ObjectId> cells = Optional.empty();
        Optional<ObjectId> metadata = Optional.empty();
        for (MapEntry e : doc.mapEntries(ObjectId.ROOT).orElse(new MapEntry[0])) {
            AmValue v = e.getValue();
            switch (e.getKey()) {
                case NOTEBOOK_ID -> notebookId = v instanceof AmValue.Str str ? str.getValue() : "";
                case CELLS -> cells = v instanceof AmValue.List list ? Optional.of(list.getId()) : Optional.empty();
                case METADATA -> metadata = v instanceof AmValue.Map map ? Optional.of(map.getId()) : Optional.empty();
                default -> {
                }
            }
        }
        return new NotebookSnapshot(notebookId, cellsOf(doc, cells, exact), metadataOf(doc, metadata));
    }

    /** The snapshot as JSON: {@code {"notebook_id":…,"cells":[§2 cell objects],"metadata":{…}}}. */
    public static ObjectNode toJson(NotebookSnapshot snapshot) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put(NOTEBOOK_ID, snapshot.notebookId());
        ArrayNode cells = root.putArray(CELLS);
        for (NotebookCell c : snapshot.cells()) {
            cells.add(Json.MAPPER.valueToTree(c));
        }
        ObjectNode metadata = root.putObject(METADATA);
        new java.util.TreeMap<>(snapshot.metadata()).forEach(metadata::put);
        return root;
    }

    /**
     * A cell's Map as a {@link NotebookCell} (empty without a Str id); {@code otherKeys}, when
     * given, gets its other Str keys. All of its keys come in one native call, then one each for
     * the source and the outputs: each call into the binding looks classes and methods up again,
     * and on a path that runs once per change (a window's snapshot, a request) with cold caches
     * seven separate reads cost about twice what these three do.
     */
    private static Optional<NotebookCell> readCell(Read doc, ObjectId cell, Map<String, String> otherKeys) {
        return readCell(doc, cell, otherKeys, null);
    }

    /** {@link #readCell(Read, ObjectId, Map)}; {@code exact}, when given, set false for an output that is not a Str. */
    static Optional<NotebookCell> readCell(Read doc, ObjectId cell, Map<String, String> otherKeys, boolean[] exact) {
        String id = null;
        String cellType = "";
        String count = NO_EXECUTION_COUNT;
        ObjectId source = null;
        ObjectId outputsList = null;
        for (MapEntry e : doc.mapEntries(cell).orElse(new MapEntry[0])) {
            AmValue v = e.getValue();
            String str = v instanceof AmValue.Str s ? s.getValue() : null;
            switch (e.getKey()) {
                case ID -> id = str;
                case CELL_TYPE -> cellType = str != null ? str : "";
                case EXECUTION_COUNT -> count = str != null ? str : NO_EXECUTION_COUNT;
                case SOURCE -> source = v instanceof AmValue.Text text ? text.getId() : null;
                case OUTPUTS -> outputsList = v instanceof AmValue.List list ? list.getId() : null;
                default -> {
                    if (otherKeys != null && str != null) {
                        otherKeys.put(e.getKey(), str);
                    }
                }
            }
        }
        if (id == null) {
            return Optional.empty();
        }
        String text = source == null ? "" : doc.text(source).orElse("");
        List<String> outputs = new ArrayList<>();
        if (outputsList != null) {
            for (AmValue item : doc.listItems(outputsList).orElse(new AmValue[0])) {
                if (item instanceof AmValue.Str str) {
                    outputs.add(str.getValue());
                } else if (exact != null) {
                    exact[0] = false;
                }
            }
        }
        return Optional.of(new NotebookCell(id, cellType, text, count, outputs));
    }

    /** A cell and the Str values of its other keys (cell metadata), read together. */
    public record CellWithKeys(NotebookCell cell, Map<String, String> keys) {
    }

    /** Every cell with its other Str keys, in one pass (a notebook's save reads them all). */
    public static List<CellWithKeys> cellsWithKeys(Read doc) {
        List<CellWithKeys> out = new ArrayList<>();
        Optional<ObjectId> cells = cellsList(doc);
        if (cells.isEmpty()) {
            return out;
        }
        for (AmValue item : doc.listItems(cells.get()).orElse(new AmValue[0])) {
            if (item instanceof AmValue.Map map) {
                Map<String, String> keys = new LinkedHashMap<>();
                readCell(doc, map.getId(), keys).ifPresent(cell -> out.add(new CellWithKeys(cell, keys)));
            }
        }
        return out;
    }

    /**
     * Inserts a whole cell at {@code index} (clamped) in one step, creating {@code cells} when
     * missing: what {@link #addCell}, {@link #updateSource}, {@link #setExecutionCount},
     * {@link #setOutputs} and {@link #setCellMetadata} do, without looking the cell up each time (a
     * notebook file's hundreds of cells load in one transaction).
     */
    public static void insertCell(Transaction tx, int index, NotebookCell c, Map<String, String> keys) {
        Optional<ObjectId> found = cellsList(tx);
        ObjectId cells = found.isPresent() ? found.get() : tx.set(ObjectId.ROOT, CELLS, ObjectType.LIST);
        int at = (int) Math.min(Math.max(index, 0), tx.length(cells));
        ObjectId cell = tx.insert(cells, at, ObjectType.MAP);
        tx.set(cell, ID, c.id());
        tx.set(cell, CELL_TYPE, c.cellType());
        ObjectId source = tx.set(cell, SOURCE, ObjectType.TEXT);
        if (!c.source().isEmpty()) {
            tx.spliceText(source, 0, 0, c.source());
        }
        tx.set(cell, EXECUTION_COUNT, c.executionCount());
        ObjectId outputs = tx.set(cell, OUTPUTS, ObjectType.LIST);
        for (int i = 0; i < c.outputs().size(); i++) {
            tx.insert(outputs, i, c.outputs().get(i));
        }
        keys.forEach((k, v) -> {
            if (CELL_KEYS.contains(k)) {
                throw new IllegalArgumentException("not a metadata key: " + k);
            }
            tx.set(cell, k, v);
        });
    }

    // ---- §3: operations ----

    /**
     * §3 add_cell: inserts a new cell at {@code min(index, len)} with, in order, id, cell_type, an
     * empty Text source, execution_count "null" and an empty outputs List. Returns the index used.
     * With {@code createCells} (the client library) a missing {@code cells} List is created at ROOT;
     * without it (the daemon) a missing List is an error.
     *
     * @throws IllegalStateException when {@code cells} is missing and may not be created
     */
    public static int addCell(Transaction tx, int index, String id, String cellType, boolean createCells) {
        Optional<ObjectId> found = cellsList(tx);
        ObjectId cells;
        if (found.isPresent()) {
            cells = found.get();
        } else if (createCells) {
            cells = tx.set(ObjectId.ROOT, CELLS, ObjectType.LIST);
        } else {
            throw new IllegalStateException("the notebook document has no cells list");
        }
        int at = (int) Math.min(Math.max(index, 0), tx.length(cells));
        ObjectId cell = tx.insert(cells, at, ObjectType.MAP);
        tx.set(cell, ID, id);
        tx.set(cell, CELL_TYPE, cellType);
        tx.set(cell, SOURCE, ObjectType.TEXT);
        tx.set(cell, EXECUTION_COUNT, NO_EXECUTION_COUNT);
        tx.set(cell, OUTPUTS, ObjectType.LIST);
        return at;
    }

    /** §3 delete_cell: false when no cell has the id. */
    public static boolean deleteCell(Transaction tx, String id) {
        OptionalInt at = cellIndex(tx, id);
        if (at.isEmpty()) {
            return false;
        }
        tx.delete(cellsList(tx).orElseThrow(), at.getAsInt());
        return true;
    }

    /**
     * Moves a cell to {@code index} (clamped; the index in the list without the cell). Automerge
     * 0.5 has no list move, and the spec defines none: the cell is deleted and an equal copy (same
     * id, type, source, count, outputs, extra Str keys) inserted. A peer editing that cell's source
     * at the same moment loses its concurrent keystrokes (they land in the deleted copy).
     */
    public static boolean moveCell(Transaction tx, String id, int index) {
        OptionalInt from = cellIndex(tx, id);
        if (from.isEmpty()) {
            return false;
        }
        ObjectId cells = cellsList(tx).orElseThrow();
        ObjectId old = ((AmValue.Map) tx.get(cells, from.getAsInt()).orElseThrow()).getId();
        Map<String, String> extras = new LinkedHashMap<>();
        NotebookCell snapshot = readCell(tx, old, extras).orElseThrow();
        tx.delete(cells, from.getAsInt());
        int at = (int) Math.min(Math.max(index, 0), tx.length(cells));
        ObjectId cell = tx.insert(cells, at, ObjectType.MAP);
        tx.set(cell, ID, snapshot.id());
        tx.set(cell, CELL_TYPE, snapshot.cellType());
        ObjectId source = tx.set(cell, SOURCE, ObjectType.TEXT);
        if (!snapshot.source().isEmpty()) {
            tx.spliceText(source, 0, 0, snapshot.source());
        }
        tx.set(cell, EXECUTION_COUNT, snapshot.executionCount());
        ObjectId outputs = tx.set(cell, OUTPUTS, ObjectType.LIST);
        for (int i = 0; i < snapshot.outputs().size(); i++) {
            tx.insert(outputs, i, snapshot.outputs().get(i));
        }
        extras.forEach((k, v) -> tx.set(cell, k, v));
        return true;
    }

    /**
     * §3 update_source: one splice of the minimal changed region ({@link TextDiff}, code points),
     * so concurrent edits elsewhere in the text merge.
     */
    public static SourceUpdate updateSource(Transaction tx, String id, String text) {
        Optional<ObjectId> cell = cellObject(tx, id);
        if (cell.isEmpty()) {
            return SourceUpdate.CELL_NOT_FOUND;
        }
        Optional<AmValue> s = tx.get(cell.get(), SOURCE);
        if (s.isEmpty() || !(s.get() instanceof AmValue.Text source)) {
            return SourceUpdate.SOURCE_NOT_TEXT;
        }
        TextDiff diff = TextDiff.between(tx.text(source.getId()).orElse(""), text);
        if (diff != null) {
            tx.spliceText(source.getId(), diff.start(), diff.deleteCount(), diff.insert());
        }
        return SourceUpdate.UPDATED;
    }

    /**
     * Splices the source directly (a keystroke from an editor that knows its cursor): {@code start}
     * and {@code deleteCount} in code points.
     */
    public static SourceUpdate spliceSource(Transaction tx, String id, long start, long deleteCount, String insert) {
        Optional<ObjectId> cell = cellObject(tx, id);
        if (cell.isEmpty()) {
            return SourceUpdate.CELL_NOT_FOUND;
        }
        Optional<AmValue> s = tx.get(cell.get(), SOURCE);
        if (s.isEmpty() || !(s.get() instanceof AmValue.Text source)) {
            return SourceUpdate.SOURCE_NOT_TEXT;
        }
        tx.spliceText(source.getId(), start, deleteCount, insert);
        return SourceUpdate.UPDATED;
    }

    /**
     * Appends to a cell's source at its current end, read in the same transaction, so text streamed
     * in by one peer stays in order while others edit elsewhere (no stale position, no diff).
     */
    public static SourceUpdate appendSource(Transaction tx, String id, String insert) {
        Optional<ObjectId> cell = cellObject(tx, id);
        if (cell.isEmpty()) {
            return SourceUpdate.CELL_NOT_FOUND;
        }
        Optional<AmValue> s = tx.get(cell.get(), SOURCE);
        if (s.isEmpty() || !(s.get() instanceof AmValue.Text source)) {
            return SourceUpdate.SOURCE_NOT_TEXT;
        }
        tx.spliceText(source.getId(), tx.length(source.getId()), 0, insert);
        return SourceUpdate.UPDATED;
    }

    /** §3 set_execution_count: a Str, not validated ("null" or a decimal integer by convention). */
    public static boolean setExecutionCount(Transaction tx, String id, String count) {
        Optional<ObjectId> cell = cellObject(tx, id);
        cell.ifPresent(c -> setExecutionCount(tx, c, count));
        return cell.isPresent();
    }

    /** {@link #setExecutionCount(Transaction, String, String)} on a cell found by {@link #cellObject}. */
    public static void setExecutionCount(Transaction tx, ObjectId cell, String count) {
        tx.set(cell, EXECUTION_COUNT, count);
    }

    /** §3 set_outputs: deletes {@code outputs} and creates a new List with the strings in order. */
    public static boolean setOutputs(Transaction tx, String id, List<String> outputs) {
        Optional<ObjectId> cell = cellObject(tx, id);
        cell.ifPresent(c -> setOutputs(tx, c, outputs));
        return cell.isPresent();
    }

    /** {@link #setOutputs(Transaction, String, List)} on a cell found by {@link #cellObject}. */
    public static void setOutputs(Transaction tx, ObjectId cell, List<String> outputs) {
        ObjectId list = tx.get(cell, OUTPUTS).isPresent() ? replaceOutputs(tx, cell) : tx.set(cell, OUTPUTS, ObjectType.LIST);
        for (int i = 0; i < outputs.size(); i++) {
            tx.insert(list, i, outputs.get(i));
        }
    }

    /**
     * {@link #setOutputs(Transaction, ObjectId, List)} with no outputs, for a cell known to have an
     * {@code outputs} key: returns the new empty List.
     */
    public static ObjectId replaceOutputs(Transaction tx, ObjectId cell) {
        tx.delete(cell, OUTPUTS);
        return tx.set(cell, OUTPUTS, ObjectType.LIST);
    }

    /** §3 append_output: a Str at the end of the existing List (false when it is not a List). */
    public static boolean appendOutput(Transaction tx, String id, String output) {
        Optional<ObjectId> cell = cellObject(tx, id);
        if (cell.isEmpty()) {
            return false;
        }
        Optional<AmValue> o = tx.get(cell.get(), OUTPUTS);
        if (o.isEmpty() || !(o.get() instanceof AmValue.List list)) {
            return false;
        }
        tx.insert(list.getId(), tx.length(list.getId()), output);
        return true;
    }

    /**
     * Puts Str {@code output} at {@code index} of the cell's existing {@code outputs} List (an
     * Automerge put, as the reference's upsert of a coalesced stream, KERNELS.md §7.3). False when
     * the cell is missing, {@code outputs} is not a List or the index is out of range.
     */
    public static boolean replaceOutput(Transaction tx, String id, int index, String output) {
        Optional<ObjectId> list = outputsList(tx, id);
        if (list.isEmpty() || index < 0 || index >= tx.length(list.get())) {
            return false;
        }
        tx.set(list.get(), index, output);
        return true;
    }

    /**
     * The cell's {@code outputs} as every element reads (non-Str elements as null, so indices
     * match the List); empty when the cell is missing or {@code outputs} is not a List.
     */
    public static Optional<List<String>> outputs(Read doc, String id) {
        Optional<ObjectId> list = outputsList(doc, id);
        if (list.isEmpty()) {
            return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        for (AmValue item : doc.listItems(list.get()).orElse(new AmValue[0])) {
            out.add(item instanceof AmValue.Str str ? str.getValue() : null);
        }
        return Optional.of(out);
    }

    /**
     * Every cell's {@code outputs} in one pass, by cell id in list order (the first cell of an id
     * wins, §2), each as {@link #outputs(Read, String)} reads it: non-Str elements as null.
     */
    public static Map<String, List<String>> outputsByCell(Read doc) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Optional<ObjectId> cells = cellsList(doc);
        if (cells.isEmpty()) {
            return out;
        }
        for (AmValue item : doc.listItems(cells.get()).orElse(new AmValue[0])) {
            if (!(item instanceof AmValue.Map map)) {
                continue;
            }
            Optional<String> id = string(doc, map.getId(), ID);
            Optional<AmValue> o = doc.get(map.getId(), OUTPUTS);
            if (id.isEmpty() || out.containsKey(id.get()) || o.isEmpty() || !(o.get() instanceof AmValue.List list)) {
                continue;
            }
            List<String> outputs = new ArrayList<>();
            for (AmValue v : doc.listItems(list.getId()).orElse(new AmValue[0])) {
                outputs.add(v instanceof AmValue.Str str ? str.getValue() : null);
            }
            out.put(id.get(), outputs);
        }
        return out;
    }

    private static Optional<ObjectId> outputsList(Read doc, String id) {
        return cellObject(doc, id).flatMap(cell -> outputsList(doc, cell));
    }

    /** The {@code outputs} List of a cell found by {@link #cellObject}; empty when it is not a List. */
    public static Optional<ObjectId> outputsList(Read doc, ObjectId cell) {
        Optional<AmValue> o = doc.get(cell, OUTPUTS);
        return o.isPresent() && o.get() instanceof AmValue.List list ? Optional.of(list.getId()) : Optional.empty();
    }

    /** Element {@code index} of a List if it is a Str. */
    public static Optional<String> listString(Read doc, ObjectId list, int index) {
        Optional<AmValue> v = doc.get(list, index);
        return v.isPresent() && v.get() instanceof AmValue.Str s ? Optional.of(s.getValue()) : Optional.empty();
    }

    /**
     * KERNELS.md §6.5's clear: outputs := [] and execution_count := "null", unless the cell has
     * exactly that already (then nothing is written: a window that clears and clears again does
     * not grow the document). False for an unknown cell.
     */
    public static boolean clearOutputsAndCount(Transaction tx, String id) {
        Optional<ObjectId> cell = cellObject(tx, id);
        if (cell.isEmpty()) {
            return false;
        }
        Optional<ObjectId> outputs = outputsList(tx, cell.get());
        boolean clearAlready = outputs.isPresent() && tx.length(outputs.get()) == 0
                && string(tx, cell.get(), EXECUTION_COUNT).filter(NO_EXECUTION_COUNT::equals).isPresent();
        if (!clearAlready) {
            setOutputs(tx, cell.get(), List.of());
            setExecutionCount(tx, cell.get(), NO_EXECUTION_COUNT);
        }
        return true;
    }

    /** §3 clear_outputs = set_outputs(id, []). */
    public static boolean clearOutputs(Transaction tx, String id) {
        return setOutputs(tx, id, List.of());
    }

    /** A Str in the cell's own Map (cell metadata; the §1 keys are refused). */
    public static boolean setCellMetadata(Transaction tx, String id, String key, String value) {
        if (CELL_KEYS.contains(key)) {
            throw new IllegalArgumentException("not a metadata key: " + key);
        }
        Optional<ObjectId> cell = cellObject(tx, id);
        cell.ifPresent(c -> tx.set(c, key, value));
        return cell.isPresent();
    }

    /** A Str from the cell's own Map other than the §1 keys. */
    public static Optional<String> getCellMetadata(Read doc, String id, String key) {
        return cellObject(doc, id).flatMap(c -> string(doc, c, key));
    }

    /** Removes a key of {@code metadata}; false when it was not there. */
    public static boolean removeMetadata(Transaction tx, String key) {
        Optional<ObjectId> metadata = map(tx, ObjectId.ROOT, METADATA);
        if (metadata.isEmpty() || tx.get(metadata.get(), key).isEmpty()) {
            return false;
        }
        tx.delete(metadata.get(), key);
        return true;
    }

    /** §3 set_metadata: a Str in {@code metadata}, creating the Map if missing. */
    public static void setMetadata(Transaction tx, String key, String value) {
        Optional<ObjectId> metadata = map(tx, ObjectId.ROOT, METADATA);
        ObjectId m = metadata.isPresent() ? metadata.get() : tx.set(ObjectId.ROOT, METADATA, ObjectType.MAP);
        tx.set(m, key, value);
    }

    // ---- lookups ----

    /** The cell's {@code id}, when its Map has one. */
    static Optional<String> cellId(Read doc, ObjectId cell) {
        return string(doc, cell, ID);
    }

    static Optional<ObjectId> cellsList(Read doc) {
        Optional<AmValue> v = doc.get(ObjectId.ROOT, CELLS);
        return v.isPresent() && v.get() instanceof AmValue.List list ? Optional.of(list.getId()) : Optional.empty();
    }

    private static OptionalInt cellIndex(Read doc, String id) {
        Optional<ObjectId> cells = cellsList(doc);
        if (cells.isEmpty()) {
            return OptionalInt.empty();
        }
        AmValue[] items = doc.listItems(cells.get()).orElse(new AmValue[0]);
        for (int i = 0; i < items.length; i++) {
            if (items[i] instanceof AmValue.Map map && string(doc, map.getId(), ID).filter(id::equals).isPresent()) {
                return OptionalInt.of(i);
            }
        }
        return OptionalInt.empty();
    }

    /**
     * The Map of the first cell with {@code id}: a walk of the cells List, so a transaction that
     * makes several edits of one cell finds it once and passes it to the {@code ObjectId} overloads.
     */
    public static Optional<ObjectId> cellObject(Read doc, String id) {
        Optional<ObjectId> cells = cellsList(doc);
        if (cells.isEmpty()) {
            return Optional.empty();
        }
        for (AmValue item : doc.listItems(cells.get()).orElse(new AmValue[0])) {
            if (item instanceof AmValue.Map map && string(doc, map.getId(), ID).filter(id::equals).isPresent()) {
                return Optional.of(map.getId());
            }
        }
        return Optional.empty();
    }

    private static Optional<ObjectId> map(Read doc, ObjectId parent, String key) {
        Optional<AmValue> v = doc.get(parent, key);
        return v.isPresent() && v.get() instanceof AmValue.Map m ? Optional.of(m.getId()) : Optional.empty();
    }

    private static Optional<String> string(Read doc, ObjectId obj, String key) {
        Optional<AmValue> v = doc.get(obj, key);
        return v.isPresent() && v.get() instanceof AmValue.Str s ? Optional.of(s.getValue()) : Optional.empty();
    }
}
