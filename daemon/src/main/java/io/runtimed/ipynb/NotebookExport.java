package io.runtimed.ipynb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.outputs.ManifestResolver;
import io.runtimed.outputs.UnresolvableOutputException;
import io.runtimed.protocol.Json;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.sync.notebook.NotebookDoc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * KERNELS.md §9.1 with its "(ours)": a room's document as an nbformat 4 notebook (in the joined form
 * {@link NbformatJson#write} takes). Cell metadata, attachments and other cell keys come from the
 * document when it has them (a file the daemon loaded), else from the old file's cell with the same
 * id; outputs are resolved from their manifests with {@code transient} dropped; the execution count
 * is kept; the notebook metadata is the old file's merged with the document's snapshot.
 */
public final class NotebookExport {
    static final String UNRESOLVABLE = "[output could not be resolved]";
    static final String INVALID_JSON = "[invalid output JSON]";

    private NotebookExport() {
    }

    /** What the document holds, read in one hold of its lock. */
    private record CellRead(NotebookCell cell, Optional<String> metadata, Optional<String> attachments,
                            Optional<String> extra) {
    }

    /** The document's cells, for the refusal of an empty save. */
    public static int cellCount(DocumentOwner owner) {
        return owner.read(NotebookDoc::cellCount);
    }

    /** The notebook to write, given the file's current content ({@code old}, empty when none or unreadable). */
    public static ObjectNode build(DocumentOwner owner, Optional<ObjectNode> old, ManifestResolver resolver) {
        AtomicReference<Optional<String>> snapshot = new AtomicReference<>(Optional.empty());
        List<CellRead> cells = owner.read(doc -> {
            snapshot.set(NotebookDoc.getMetadata(doc, NotebookImport.NOTEBOOK_METADATA));
            List<CellRead> out = new ArrayList<>();
            for (NotebookDoc.CellWithKeys c : NotebookDoc.cellsWithKeys(doc)) {
                out.add(new CellRead(c.cell(), Optional.ofNullable(c.keys().get(NotebookImport.CELL_METADATA)),
                        Optional.ofNullable(c.keys().get(NotebookImport.ATTACHMENTS)),
                        Optional.ofNullable(c.keys().get(NotebookImport.EXTRA))));
            }
            return out;
        });
        Map<String, ObjectNode> oldCells = new HashMap<>();
        old.ifPresent(o -> o.path("cells").forEach(c -> {
            if (c instanceof ObjectNode cell && cell.path("id").isTextual()) {
                oldCells.putIfAbsent(cell.get("id").asText(), cell);
            }
        }));
        ObjectNode nb = Json.MAPPER.createObjectNode();
        ArrayNode outCells = nb.putArray("cells");
        for (CellRead read : cells) {
            outCells.add(cell(read, Optional.ofNullable(oldCells.get(read.cell().id())), resolver));
        }
        ObjectNode oldMetadata = old.map(o -> o.get("metadata")).filter(ObjectNode.class::isInstance)
                .map(ObjectNode.class::cast).orElseGet(Json.MAPPER::createObjectNode);
        nb.set("metadata", NotebookMetadata.merge(oldMetadata, snapshot.get()));
        nb.put("nbformat", 4);
        int oldMinor = old.map(o -> o.path("nbformat_minor")).filter(JsonNode::isInt).map(JsonNode::asInt).orElse(5);
        nb.put("nbformat_minor", Math.max(oldMinor, 5));
        return nb;
    }

    private static ObjectNode cell(CellRead read, Optional<ObjectNode> old, ManifestResolver resolver) {
        NotebookCell c = read.cell();
        ObjectNode cell = Json.MAPPER.createObjectNode();
        // other keys first, so that the ones below always win
        Optional<ObjectNode> extra = read.extra().flatMap(JsonText::object);
        if (extra.isPresent()) {
            cell.setAll(extra.get());
        } else {
            old.ifPresent(o -> {
                for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!NotebookImport.OWN_KEYS.contains(e.getKey())) {
                        cell.set(e.getKey(), e.getValue());
                    }
                }
            });
        }
        cell.put("id", c.id());
        cell.put("cell_type", c.cellType());
        cell.put("source", c.source());
        cell.set("metadata", read.metadata().flatMap(JsonText::object).map(JsonNode.class::cast)
                .or(() -> old.map(o -> o.get("metadata")).filter(JsonNode::isObject))
                .orElseGet(Json.MAPPER::createObjectNode));
        Optional<JsonNode> attachments = read.attachments().flatMap(JsonText::parse)
                .or(() -> old.map(o -> o.get(NotebookImport.ATTACHMENTS)));
        attachments.ifPresent(a -> cell.set(NotebookImport.ATTACHMENTS, a));
        if ("code".equals(c.cellType())) {
            ArrayNode outputs = cell.putArray("outputs");
            for (String entry : c.outputs()) {
                outputs.add(output(entry, resolver));
            }
            cell.set("execution_count", executionCount(c.executionCount()));
        }
        return cell;
    }

    /** §9.1 step 3: resolved, {@code transient} dropped; what cannot be resolved becomes a note on stderr. */
    private static ObjectNode output(String entry, ManifestResolver resolver) {
        try {
            ObjectNode out = resolver.resolve(entry);
            out.remove("transient");
            return out;
        } catch (UnresolvableOutputException e) {
            ObjectNode note = Json.MAPPER.createObjectNode();
            note.put("output_type", "stream");
            note.put("name", "stderr");
            note.put("text", ManifestResolver.isManifestHash(entry) ? UNRESOLVABLE : INVALID_JSON);
            return note;
        }
    }

    /** The document's Str parsed as JSON: a number, else null ({@code "null"} and garbage alike). */
    static JsonNode executionCount(String text) {
        return JsonText.parse(text).filter(JsonNode::isIntegralNumber).map(JsonNode.class::cast)
                .orElseGet(Json.MAPPER::nullNode);
    }
}
