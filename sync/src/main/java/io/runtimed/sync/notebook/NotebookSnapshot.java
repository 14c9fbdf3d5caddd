package io.runtimed.sync.notebook;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The whole notebook as plain values: its id, its cells in order, and its Str metadata. */
public record NotebookSnapshot(String notebookId, List<NotebookCell> cells, Map<String, String> metadata) {
    public NotebookSnapshot {
        cells = List.copyOf(cells);
        metadata = Map.copyOf(metadata);
    }

    /** §2: lookup by id is the first cell in list order whose id matches. */
    public Optional<NotebookCell> cell(String id) {
        // a plain loop: an app's listener asks this after every change, often before the JIT has
        // compiled it, where a stream pipeline costs several times as much
        for (NotebookCell c : cells) {
            if (c.id().equals(id)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
