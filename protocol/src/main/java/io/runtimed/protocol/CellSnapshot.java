package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;

/**
 * NOTEBOOK.md §2: one cell as every reader sees it, in the snapshot's JSON shape
 * {@code {"id","cell_type","source","execution_count","outputs"}} (execution_count a string,
 * {@code "null"} when never run; outputs the stored JSON strings). Carried by {@code notebook_state}.
 */
@JsonPropertyOrder({"id", "cell_type", "source", "execution_count", "outputs"})
public record CellSnapshot(String id, String cellType, String source, String executionCount, List<String> outputs) {
    public CellSnapshot {
        Objects.requireNonNull(id, "id is required");
        Objects.requireNonNull(cellType, "cell_type is required");
        Objects.requireNonNull(source, "source is required");
        Objects.requireNonNull(executionCount, "execution_count is required");
        outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs is required"));
    }
}
