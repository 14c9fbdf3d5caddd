package io.runtimed.ipynb;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False,
 * separators=(",", ": "))}, the call in nbformat's v4/nbjson.py JSONWriter.writes.
 */
final class PythonJson {
    /** Python sorts str keys by code point; String.compareTo compares UTF-16 units, which differs past U+FFFF. */
    static final Comparator<String> BY_CODE_POINT = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    };

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final StringBuilder out = new StringBuilder();

    private PythonJson() {
    }

    static String dumps(JsonNode value) {
        PythonJson json = new PythonJson();
        json.value(value, 0);
        return json.out.toString();
    }

    private void value(JsonNode node, int depth) {
        switch (node.getNodeType()) {
            case OBJECT -> object(node, depth);
            case ARRAY -> array(node, depth);
            case STRING -> string(node.textValue());
            case BOOLEAN -> out.append(node.booleanValue() ? "true" : "false");
            case NULL -> out.append("null");
            case NUMBER -> number(node);
            // a notebook read from JSON holds none of these; a BinaryNode or a POJO is a caller's bug
            default -> throw new IllegalArgumentException("not a JSON value in a notebook: " + node.getNodeType());
        }
    }

    private void object(JsonNode node, int depth) {
        if (node.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(node.properties());
        fields.sort(Map.Entry.comparingByKey(BY_CODE_POINT));
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, JsonNode> field : fields) {
            out.append(first ? "" : ",");
            first = false;
            newline(depth + 1);
            string(field.getKey());
            out.append(": ");
            value(field.getValue(), depth + 1);
        }
        newline(depth);
        out.append('}');
    }

    private void array(JsonNode node, int depth) {
        if (node.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        for (int i = 0; i < node.size(); i++) {
            out.append(i == 0 ? "" : ",");
            newline(depth + 1);
            value(node.get(i), depth + 1);
        }
        newline(depth);
        out.append(']');
    }

    /** indent=1: one space per level. */
    private void newline(int depth) {
        out.append('\n').append(" ".repeat(depth));
    }

    /**
     * ensure_ascii=False escapes only the quote, the backslash and the characters below 0x20 (the
     * five with short forms, the rest as backslash-u00XX in lowercase hex); everything else is
     * written as it is, '/', U+2028 and characters past U+FFFF included. A lone surrogate (JSON
     * can spell one as an escaped D800, and Python keeps it) stays a lone surrogate in the
     * returned String, as it does in the str nbformat.writes returns; encoding that as UTF-8 is
     * the caller's problem, as it is Python's (nbformat.write fails with UnicodeEncodeError).
     */
    private void string(String s) {
        out.append('"');
        // runs without an escape (a whole base64 image, most lines) are appended in one piece
        int run = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out.append(s, run, i);
            run = i + 1;
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        out.append(s, run, s.length());
        out.append('"');
    }

    /**
     * Integers of any size as Python's int repr; floats as float repr. A FloatNode (only a caller
     * builds one) is taken as the decimal it prints as, a DecimalNode as the nearest double: Python
     * holds every JSON fraction as a double.
     */
    private void number(JsonNode node) {
        if (node.isIntegralNumber()) {
            out.append(node.bigIntegerValue().toString());
        } else if (node.isFloat()) {
            out.append(PythonFloat.repr(Double.parseDouble(Float.toString(node.floatValue()))));
        } else {
            out.append(PythonFloat.repr(node.doubleValue()));
        }
    }
}
