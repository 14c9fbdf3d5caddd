package io.runtimed.ipynb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.outputs.OutputBlobs;
import io.runtimed.protocol.Json;
import io.runtimed.sync.notebook.NotebookDoc;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
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

    /** One cell, ready to be written. */
    private record Cell(String id, String type, String source, String count, List<String> outputs,
                        String metadata, String attachments, String extra) {
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
                Map<String, String> keys = new java.util.LinkedHashMap<>();
                keys.put(CELL_METADATA, c.metadata());
                if (c.attachments() != null) {
                    keys.put(ATTACHMENTS, c.attachments());
                }
                if (c.extra() != null) {
                    keys.put(EXTRA, c.extra());
                }
                NotebookDoc.insertCell(tx, at++,
                        new io.runtimed.sync.notebook.NotebookCell(c.id(), c.type(), c.source(), c.count(), c.outputs()), keys);
            }
            if (snapshot != null) {
                NotebookDoc.setMetadata(tx, NOTEBOOK_METADATA, snapshot);
            }
        }

        /**
         * Makes the document's cells this file's with as small a change as there is: cells matched
         * by id keep their place in every window (sources spliced, not replaced), only what differs
         * is written, cells the file no longer has are deleted, new ones inserted where the file
         * has them.
         */
        public void applyAsChanges(Transaction tx) {
            java.util.Set<String> keep = new HashSet<>();
            cells.forEach(c -> keep.add(c.id()));
            for (io.runtimed.sync.notebook.NotebookCell existing : NotebookDoc.cells(tx)) {
                if (!keep.contains(existing.id())) {
                    NotebookDoc.deleteCell(tx, existing.id());
                }
            }
            for (int i = 0; i < cells.size(); i++) {
                Cell c = cells.get(i);
                java.util.Optional<io.runtimed.sync.notebook.NotebookCell> now = NotebookDoc.cell(tx, c.id());
                if (now.isPresent() && !now.get().cellType().equals(c.type())) {
                    NotebookDoc.deleteCell(tx, c.id());
                    now = java.util.Optional.empty();
                }
                if (now.isEmpty()) {
                    NotebookDoc.addCell(tx, i, c.id(), c.type(), true);
                } else {
                    List<String> order = NotebookDoc.cells(tx).stream().map(io.runtimed.sync.notebook.NotebookCell::id).toList();
                    if (order.indexOf(c.id()) != i) {
                        NotebookDoc.moveCell(tx, c.id(), i);
                    }
                }
                NotebookDoc.updateSource(tx, c.id(), c.source());
                io.runtimed.sync.notebook.NotebookCell cell = NotebookDoc.cell(tx, c.id()).orElseThrow();
                if (!cell.executionCount().equals(c.count())) {
                    NotebookDoc.setExecutionCount(tx, c.id(), c.count());
                }
                if (!cell.outputs().equals(c.outputs())) {
                    NotebookDoc.setOutputs(tx, c.id(), c.outputs());
                }
                setIfDiffers(tx, c.id(), CELL_METADATA, c.metadata());
                setIfDiffers(tx, c.id(), ATTACHMENTS, c.attachments());
                setIfDiffers(tx, c.id(), EXTRA, c.extra());
            }
            if (snapshot != null && !NotebookDoc.getMetadata(tx, NOTEBOOK_METADATA).orElse("").equals(snapshot)) {
                NotebookDoc.setMetadata(tx, NOTEBOOK_METADATA, snapshot);
            }
        }

        private static void setIfDiffers(Transaction tx, String id, String key, String value) {
            if (value != null && !NotebookDoc.getCellMetadata(tx, id, key).orElse("").equals(value)) {
                NotebookDoc.setCellMetadata(tx, id, key, value);
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
            cells.add(new Cell(id, type, cell.path("source").asText(""), countText, outputs,
                    metadata == null ? "{}" : JsonText.compact(metadata),
                    cell.has(ATTACHMENTS) ? JsonText.compact(cell.get(ATTACHMENTS)) : null,
                    extra.isEmpty() ? null : JsonText.compact(extra)));
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
