package io.runtimed.sync.notebook;

import java.util.List;

/**
 * One cell as every peer reads it (NOTEBOOK.md §2); its JSON is the spec's snapshot shape
 * ({@code {"id","cell_type","source","execution_count","outputs"}}).
 */
public record NotebookCell(String id, String cellType, String source, String executionCount, List<String> outputs) {
    public NotebookCell {
        outputs = List.copyOf(outputs);
    }
}
