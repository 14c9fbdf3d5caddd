package io.runtimed.ipynb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.outputs.OutputBlobs;
import io.runtimed.protocol.Json;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.sync.notebook.NotebookDoc;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.automerge.Transaction;

/**
 * KERNELS.md §9.4 (ours): an {@code .ipynb} file into a room's document, before its first sync
 * message, so a reference client just adopts the document (§9.2). Everything the file holds is
 * kept: cells with their ids (stable generated ones for nbformat 4.0–4.4 files, which have none),
 * sources, outputs as manifests (§8; binary MIME values stay base64 text), execution counts, and in
 * each cell's Map, as compact JSON, its {@code metadata}, {@code attachments} and any other key
 * ({@link #EXTRA}); the notebook's metadata snapshot (§9.3) goes into {@code metadata}.
 *
 * <p>The outputs are stored first ({@link #prepare}, blob I/O, no lock), then written in one
 * transaction ({@link Prepared#apply}).
 */
public final class NotebookImport {
    /** The cell's nbformat {@code metadata}, compact JSON, in the cell's Map. */
    public static final String CELL_METADATA = "metadata";
    /** The cell's nbformat {@code attachments}, compact JSON, in the cell's Map. */
    public static final String ATTACHMENTS = "attachments";
    /** Any other key of the file's cell, as one compact JSON object, in the cell's Map. */
    public static final String EXTRA = "nbformat_extra";
    /** §9.3: the doc's {@code metadata} key of the metadata snapshot. */
    public static final String NOTEBOOK_METADATA = "notebook_metadata";
    /** The keys of a cell that have a place of their own (NOTEBOOK.md §1, and the two above). */
    static final Set<String> OWN_KEYS = Set.of("id", "cell_type", "source", "execution_count", "outputs",
            CELL_METADATA, ATTACHMENTS);
    /** nbformat 4.5's cell id rule. */
    private static final Pattern CELL_ID = Pattern.compile("^[a-zA-Z0-9-_]{1,64}$");

    private NotebookImport() {
    }

    /** One cell, ready to be written: its §1 fields, and the other keys of its Map. */
    private record Cell(NotebookCell cell, Map<String, String> keys) {
    }

    /** A file's content with its outputs already stored, to be written into a document. */
    public static final class Prepared {
        private final List<Cell> cells;
        private final String snapshot;

        private Prepared(List<Cell> cells, String snapshot) {
            this.cells = cells;
            this.snapshot = snapshot;
        }

        public int cellCount() {
            return cells.size();
        }

        /** Appends every cell after those the document has (normally none) and sets the snapshot. */
        public void apply(Transaction tx) {
            int at = NotebookDoc.cells(tx).size();
            for (Cell c : cells) {
                NotebookDoc.insertCell(tx, at++, c.cell(), c.keys());
            }
            setSnapshot(tx);
        }

        /**
         * Makes the document's cells this file's with as small a change as there is: cells matched
         * by id keep their place in every window (sources spliced, not replaced), only what differs
         * is written, cells the file no longer has are deleted, new ones inserted where the file
         * has them. The document is read once, not once per cell.
         */
        public void applyAsChanges(Transaction tx) {
            Map<String, String> wantedTypes = new HashMap<>();
            cells.forEach(c -> wantedTypes.put(c.cell().id(), c.cell().cellType()));
            Map<String, NotebookDoc.CellWithKeys> now = new HashMap<>();
            List<String> order = new ArrayList<>();
            for (NotebookDoc.CellWithKeys existing : NotebookDoc.cellsWithKeys(tx)) {
                String id = existing.cell().id();
                // a cell whose type changed is made afresh, with the file's content
                if (!existing.cell().cellType().equals(wantedTypes.get(id))) {
                    NotebookDoc.deleteCell(tx, id);
                } else if (now.putIfAbsent(id, existing) == null) {
                    order.add(id);
                }
            }
            for (int i = 0; i < cells.size(); i++) {
                NotebookCell want = cells.get(i).cell();
                NotebookDoc.CellWithKeys have = now.get(want.id());
                if (have == null) {
                    NotebookDoc.insertCell(tx, i, want, cells.get(i).keys());
                    order.add(i, want.id());
                    continue;
                }
                int at = order.indexOf(want.id());
                if (at != i) {
                    NotebookDoc.moveCell(tx, want.id(), i);
                    order.add(i, order.remove(at));
                }
                if (!have.cell().source().equals(want.source())) {
                    NotebookDoc.updateSource(tx, want.id(), want.source());
                }
                if (!have.cell().executionCount().equals(want.executionCount())) {
                    NotebookDoc.setExecutionCount(tx, want.id(), want.executionCount());
                }
                if (!have.cell().outputs().equals(want.outputs())) {
                    NotebookDoc.setOutputs(tx, want.id(), want.outputs());
                }
                cells.get(i).keys().forEach((k, v) -> {
                    if (!v.equals(have.keys().get(k))) {
                        NotebookDoc.setCellMetadata(tx, want.id(), k, v);
                    }
                });
            }
            if (snapshot != null && !snapshot.equals(NotebookDoc.getMetadata(tx, NOTEBOOK_METADATA).orElse(null))) {
                setSnapshot(tx);
            }
        }

        private void setSnapshot(Transaction tx) {
            if (snapshot != null) {
                NotebookDoc.setMetadata(tx, NOTEBOOK_METADATA, snapshot);
            }
        }
    }

    /**
     * Reads the cells of {@code notebook} (as {@link NbformatJson#read} gives it) and stores their
     * outputs through {@code blobs} (null: each output is kept as its JSON, §8.3). {@code seed} makes generated ids stable: the same file gets the
     * same ids each time (the notebook id is a good seed).
     */
    public static Prepared prepare(ObjectNode notebook, OutputBlobs blobs, String seed) throws NotebookFileException {
        List<Cell> cells = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int index = 0;
        for (JsonNode node : notebook.path("cells")) {
            if (!(node instanceof ObjectNode cell)) {
                throw new NotebookFileException("cell " + index + " is not an object");
            }
            String type = cell.path("cell_type").asText("");
            if (type.isEmpty()) {
                throw new NotebookFileException("cell " + index + " has no cell_type");
            }
            String id = cell.path("id").isTextual() ? cell.get("id").asText() : null;
            if (id == null || !CELL_ID.matcher(id).matches() || ids.contains(id)) {
                id = generatedId(seed, index, ids);
            }
            ids.add(id);
            List<String> outputs = new ArrayList<>();
            for (JsonNode output : cell.path("outputs")) {
                outputs.add(storeOutput(output, blobs));
            }
            JsonNode count = cell.get("execution_count");
            String countText = count == null || count.isNull() ? NotebookDoc.NO_EXECUTION_COUNT : JsonText.compact(count);
            JsonNode metadata = cell.get(CELL_METADATA);
            ObjectNode extra = Json.MAPPER.createObjectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = cell.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!OWN_KEYS.contains(e.getKey())) {
                    extra.set(e.getKey(), e.getValue());
                }
            }
            Map<String, String> keys = new LinkedHashMap<>();
            keys.put(CELL_METADATA, metadata == null ? "{}" : JsonText.compact(metadata));
            if (cell.has(ATTACHMENTS)) {
                keys.put(ATTACHMENTS, JsonText.compact(cell.get(ATTACHMENTS)));
            }
            if (!extra.isEmpty()) {
                keys.put(EXTRA, JsonText.compact(extra));
            }
            cells.add(new Cell(new NotebookCell(id, type, cell.path("source").asText(""), countText, outputs), keys));
            index++;
        }
        return new Prepared(cells, NotebookMetadata.snapshotOf(notebook.path("metadata")));
    }

    private static String storeOutput(JsonNode output, OutputBlobs blobs) {
        if (blobs != null && output instanceof ObjectNode o) {
            try {
                return blobs.storeOutput(o);
            } catch (IllegalArgumentException e) {
                // not an output type the manifests know: kept as the output's own JSON (§8.3)
            }
        }
        return JsonText.compact(output);
    }

    /** 8 hex digits of SHA-256(seed, index), the length nbformat itself generates; unique in the file. */
    static String generatedId(String seed, int index, Set<String> taken) {
        for (int attempt = 0; ; attempt++) {
            String id = io.runtimed.protocol.BlobHash.of((seed + "\n" + index + "\n" + attempt)
                    .getBytes(StandardCharsets.UTF_8)).substring(0, 8);
            if (!taken.contains(id)) {
                return id;
            }
        }
    }
}
