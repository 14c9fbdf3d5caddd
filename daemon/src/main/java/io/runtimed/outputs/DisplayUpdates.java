package io.runtimed.outputs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import io.runtimed.sync.notebook.NotebookDoc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KERNELS.md §7.5 "(ours)": {@code update_display_data} replaces EVERY display_data and
 * execute_result of the notebook whose {@code transient.display_id} matches, manifests and raw
 * JSON entries alike, keeping {@code transient} and {@code execution_count}.
 *
 * <p>What an entry is (its type, display id, count) is remembered by entry string: for the outputs
 * this pipeline wrote it is known when they are written, and an entry it did not write is resolved
 * from the blob store once, the first time an update meets it (manifests are content-addressed, so
 * the answer never changes). An update then walks the document's output strings (no disk) and
 * reads no manifest it has seen before. Called under the router's lock only.
 */
final class DisplayUpdates {
    private static final Logger LOG = LoggerFactory.getLogger(DisplayUpdates.class);

    /** What matters about an entry for display updates; {@code displayId} null when it has none. */
    record Known(String outputType, String displayId, JsonNode executionCount) {
        static final Known NONE = new Known("", null, null);
    }

    /** One place in the document that an update replaced. */
    record Replaced(String cellId, int index, String oldRef, String newRef) {
    }

    private final Map<String, Known> known = new HashMap<>();
    private final ManifestResolver resolver;
    private final OutputBlobs blobs;

    DisplayUpdates(ManifestResolver resolver, OutputBlobs blobs) {
        this.resolver = resolver;
        this.blobs = blobs;
    }

    /** An entry this pipeline wrote, from the nbformat output it came from. */
    void record(String ref, ObjectNode nbformat) {
        known.put(ref, of(nbformat));
    }

    /** An entry that left the document for good (a superseded stream write). */
    void forget(String ref) {
        known.remove(ref);
    }

    /** How many entries had to be resolved from the blob store so far (tests: the index works). */
    int resolvedFromStore() {
        return resolved;
    }

    private int resolved;

    /**
     * Replaces every matching output in the document through {@code outputs}; returns what was
     * replaced (empty when nothing matched).
     */
    List<Replaced> update(CellOutputs outputs, String displayId, ObjectNode data, ObjectNode metadata) {
        Map<String, List<String>> all = outputs.document().read(NotebookDoc::outputsByCell);
        Map<String, String> newRefs = new LinkedHashMap<>();
        List<Replaced> targets = new ArrayList<>();
        for (Map.Entry<String, List<String>> cell : all.entrySet()) {
            List<String> entries = cell.getValue();
            for (int i = 0; i < entries.size(); i++) {
                String ref = entries.get(i);
                if (ref == null) {
                    continue;
                }
                Known k = known.computeIfAbsent(ref, this::resolve);
                if (!displayId.equals(k.displayId())) {
                    continue;
                }
                String newRef = newRefs.computeIfAbsent(ref, r -> rebuild(r, k, displayId, data, metadata));
                targets.add(new Replaced(cell.getKey(), i, ref, newRef));
            }
        }
        if (targets.isEmpty()) {
            return targets;
        }
        List<Replaced> done = new ArrayList<>();
        boolean changed = outputs.document().changeOutputsOnly(tx -> {
            for (Replaced t : targets) {
                List<String> now = NotebookDoc.outputs(tx, t.cellId()).orElse(List.of());
                if (t.index() < now.size() && t.oldRef().equals(now.get(t.index()))
                        && NotebookDoc.replaceOutput(tx, t.cellId(), t.index(), t.newRef())) {
                    done.add(t);
                }
            }
        });
        if (changed) {
            outputs.changed();
        }
        return done;
    }

    private String rebuild(String ref, Known k, String displayId, ObjectNode data, ObjectNode metadata) {
        if (ManifestResolver.isManifestHash(ref)) {
            ObjectNode nb = Json.MAPPER.createObjectNode();
            nb.put("output_type", k.outputType());
            nb.set("data", data.deepCopy());
            nb.set("metadata", metadata.deepCopy());
            if (NbformatOutputs.EXECUTE_RESULT.equals(k.outputType())) {
                nb.set("execution_count", k.executionCount() == null ? Json.MAPPER.nullNode() : k.executionCount());
            }
            nb.putObject("transient").put("display_id", displayId);
            String newRef = OutputManifest.store(nb, blobs.session(false));
            record(newRef, nb);
            return newRef;
        }
        // a raw JSON entry keeps its form: data and metadata replaced in place
        try {
            ObjectNode nb = (ObjectNode) OutputJson.parse(ref);
            nb.set("data", data.deepCopy());
            nb.set("metadata", metadata.deepCopy());
            String newRef = OutputJson.compact(nb);
            record(newRef, nb);
            return newRef;
        } catch (JsonProcessingException | ClassCastException e) {
            // not an object after all: left as it is
            return ref;
        }
    }

    private Known resolve(String ref) {
        if (ManifestResolver.isManifestHash(ref)) {
            resolved++;
        }
        try {
            return of(resolver.resolve(ref));
        } catch (UnresolvableOutputException e) {
            LOG.debug("display update skips an output: {}", e.getMessage());
            return Known.NONE;
        }
    }

    private static Known of(ObjectNode nb) {
        String type = nb.path("output_type").asText();
        if (!NbformatOutputs.DISPLAY_DATA.equals(type) && !NbformatOutputs.EXECUTE_RESULT.equals(type)) {
            return new Known(type, null, null);
        }
        return new Known(type, NbformatOutputs.displayId(nb), nb.get("execution_count"));
    }
}
