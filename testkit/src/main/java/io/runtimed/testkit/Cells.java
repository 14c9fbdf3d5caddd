package io.runtimed.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Cells and typing with known contents, and reading them back from snapshot JSON. */
public final class Cells {
    private Cells() {
    }

    public record Cell(String id, String source) {
    }

    /** Cell {@code prefix-i} with a source of exactly {@code chars} characters that names the cell. */
    public static Cell of(String prefix, int i, int chars) {
        String id = prefix + "-" + i;
        StringBuilder source = new StringBuilder("# cell ").append(id).append('\n');
        while (source.length() < chars) {
            source.append("x = ").append(source.length()).append('\n');
        }
        source.setLength(chars);
        return new Cell(id, source.toString());
    }

    /** {@code count} cells {@code prefix-from} ... in order. */
    public static List<Cell> range(String prefix, int from, int count, int chars) {
        List<Cell> cells = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            cells.add(of(prefix, i, chars));
        }
        return cells;
    }

    public static List<String> ids(List<Cell> cells) {
        return cells.stream().map(Cell::id).toList();
    }

    /** {@code length} characters of {@code alphabet}, over and over: text to type. */
    public static String typing(String alphabet, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(i % alphabet.length()));
        }
        return s.toString();
    }

    /** The ids the JS driver gives the keystrokes of one {@code type} command: prefix0, prefix1, ... */
    public static List<String> keystrokeIds(String prefix, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(prefix + i);
        }
        return ids;
    }

    /** The cell ids of a notebook snapshot JSON, in order. */
    public static List<String> idsIn(JsonNode notebook) {
        List<String> ids = new ArrayList<>();
        notebook.get("cells").forEach(c -> ids.add(c.get("id").asText()));
        return ids;
    }

    /** The source of the cell {@code id} in a notebook snapshot JSON, or null. */
    public static String sourceIn(JsonNode notebook, String id) {
        for (JsonNode c : notebook.get("cells")) {
            if (c.get("id").asText().equals(id)) {
                return c.get("source").asText();
            }
        }
        return null;
    }
}
