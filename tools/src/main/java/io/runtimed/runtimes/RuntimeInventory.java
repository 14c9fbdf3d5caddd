package io.runtimed.runtimes;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.runtimed.sync.settings.NotebookRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which notebook runtimes this machine can run, and the programs that decide it (issue 7 item 4).
 * {@code usable}: python when some interpreter runs, deno when deno runs, in the enum's order.
 * {@code interpreters}: every python found, one per real file, a usable one first when PATH would
 * pick it. {@code tools}: deno, uv, micromamba, mamba and conda, each once, found or not.
 */
@JsonPropertyOrder({"usable", "interpreters", "tools"})
public record RuntimeInventory(List<NotebookRuntime> usable, List<DetectedTool> interpreters, List<DetectedTool> tools) {

    public RuntimeInventory {
        usable = List.copyOf(usable);
        interpreters = List.copyOf(interpreters);
        tools = List.copyOf(tools);
    }

    /** The inventory these entries make: python if any interpreter is usable, deno if the deno tool is. */
    static RuntimeInventory of(List<DetectedTool> interpreters, List<DetectedTool> tools) {
        List<NotebookRuntime> usable = new ArrayList<>();
        if (interpreters.stream().anyMatch(DetectedTool::usable)) {
            usable.add(NotebookRuntime.PYTHON);
        }
        if (tools.stream().anyMatch(t -> t.name().equals(RuntimeDetector.DENO) && t.usable())) {
            usable.add(NotebookRuntime.DENO);
        }
        return new RuntimeInventory(usable, interpreters, tools);
    }

    /** The tool entry named {@code name} (deno, uv, micromamba, mamba, conda). */
    public Optional<DetectedTool> tool(String name) {
        return tools.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
