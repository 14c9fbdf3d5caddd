package io.runtimed.cli;

import io.runtimed.runtimes.DetectedTool;
import io.runtimed.runtimes.RuntimeInventory;
import io.runtimed.sync.settings.NotebookRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The "Runtimes:" block of {@code runtimed status} and {@code runt pool info}: the usable runtimes,
 * then one line per interpreter and tool with its version and path, or why it cannot be used.
 */
public final class RuntimesSection {
    /** Fixed columns, so that one long entry does not move every other line ("micromamba", "3.13.0rc1" fit). */
    private static final int NAME_WIDTH = 12;
    private static final int VERSION_WIDTH = 10;
    private static final String BROKEN = "broken";
    private static final String NO_VERSION = "unknown";

    private RuntimesSection() {
    }

    public static String text(RuntimeInventory inventory) {
        List<DetectedTool> rows = new ArrayList<>(inventory.interpreters());
        if (rows.isEmpty()) {
            rows.add(new DetectedTool("python", null, null, false, "not found"));
        }
        rows.addAll(inventory.tools());
        StringBuilder b = new StringBuilder("Runtimes:\n");
        b.append("  ").append(pad("Usable:", NAME_WIDTH)).append(usable(inventory.usable())).append('\n');
        for (DetectedTool r : rows) {
            b.append("  ").append(pad(r.name(), NAME_WIDTH));
            if (!r.found()) {
                b.append(r.problem()).append('\n');
                continue;
            }
            b.append(pad(versionColumn(r), VERSION_WIDTH)).append(r.path());
            if (!r.usable()) {
                b.append(": ").append(r.problem());
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String usable(List<NotebookRuntime> runtimes) {
        return runtimes.isEmpty() ? "none"
                : runtimes.stream().map(NotebookRuntime::value).collect(Collectors.joining(", "));
    }

    private static String versionColumn(DetectedTool r) {
        return !r.usable() ? BROKEN : r.version() != null ? r.version() : NO_VERSION;
    }

    /** {@code s} and spaces to {@code width}, and at least one. */
    private static String pad(String s, int width) {
        return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
    }
}
