package io.runtimed.ipynb;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * KERNELS.md §9.3: the {@code notebook_metadata} snapshot ({@code kernelspec}, {@code language_info},
 * {@code runt}), taken from a file's metadata on load and merged back into it on save (§9.1 step 4).
 */
final class NotebookMetadata {
    static final String KERNELSPEC = "kernelspec";
    static final String LANGUAGE_INFO = "language_info";
    static final String RUNT = "runt";
    static final String SCHEMA_VERSION = "schema_version";

    private NotebookMetadata() {
    }

    /** The snapshot of a file's {@code metadata}; a file without {@code runt} gets the bare one §9.3 requires. */
    static String snapshotOf(JsonNode fileMetadata) {
        ObjectNode snapshot = Json.MAPPER.createObjectNode();
        if (fileMetadata.path(KERNELSPEC).isObject()) {
            snapshot.set(KERNELSPEC, fileMetadata.get(KERNELSPEC));
        }
        if (fileMetadata.path(LANGUAGE_INFO).isObject()) {
            snapshot.set(LANGUAGE_INFO, fileMetadata.get(LANGUAGE_INFO));
        }
        ObjectNode runt = fileMetadata.path(RUNT).isObject() ? ((ObjectNode) fileMetadata.get(RUNT)).deepCopy()
                : Json.MAPPER.createObjectNode();
        if (!runt.has(SCHEMA_VERSION)) {
            runt.put(SCHEMA_VERSION, "1");
        }
        snapshot.set(RUNT, runt);
        return JsonText.compact(snapshot);
    }

    /**
     * §9.1 step 4: the file's old metadata merged with the document's snapshot: {@code kernelspec}
     * replaced (removed when the snapshot has none), {@code language_info} shallow-merged (removed
     * when none), {@code runt} replaced plus the old keys the snapshot lacks. Without a snapshot
     * that parses (it needs {@code runt.schema_version}) the old metadata stays as it is. (ours): a
     * bare {@code runt} (only the schema version) is not added to a file that had none, so opening
     * and saving a notebook from elsewhere leaves its metadata as it was.
     */
    static ObjectNode merge(ObjectNode old, Optional<String> snapshotText) {
        ObjectNode out = old.deepCopy();
        Optional<ObjectNode> snapshot = snapshotText.flatMap(JsonText::object)
                .filter(s -> s.path(RUNT).path(SCHEMA_VERSION).isTextual());
        if (snapshot.isEmpty()) {
            return out;
        }
        ObjectNode s = snapshot.get();
        if (s.path(KERNELSPEC).isObject()) {
            out.set(KERNELSPEC, s.get(KERNELSPEC));
        } else {
            out.remove(KERNELSPEC);
        }
        if (s.path(LANGUAGE_INFO).isObject()) {
            ObjectNode merged = old.path(LANGUAGE_INFO).isObject() ? ((ObjectNode) old.get(LANGUAGE_INFO)).deepCopy()
                    : Json.MAPPER.createObjectNode();
            merged.setAll((ObjectNode) s.get(LANGUAGE_INFO));
            out.set(LANGUAGE_INFO, merged);
        } else {
            out.remove(LANGUAGE_INFO);
        }
        ObjectNode runt = ((ObjectNode) s.get(RUNT)).deepCopy();
        boolean bare = runt.size() == 1;
        if (old.path(RUNT).isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = old.get(RUNT).fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!runt.has(e.getKey())) {
                    runt.set(e.getKey(), e.getValue());
                }
            }
            out.set(RUNT, runt);
        } else if (!bare) {
            out.set(RUNT, runt);
        }
        return out;
    }
}
