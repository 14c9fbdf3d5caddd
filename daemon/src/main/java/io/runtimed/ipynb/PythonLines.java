package io.runtimed.ipynb;

import java.util.ArrayList;
import java.util.List;

/** Python's {@code str.splitlines(keepends=True)}, which nbformat's split_lines uses. */
final class PythonLines {
    private PythonLines() {
    }

    /**
     * The lines of {@code s}, each with its line break. Python breaks at \n, \r, \r\n, \v, \f,
     * \x1c, \x1d, \x1e, \x85, U+2028 and U+2029 (str.splitlines' documented table); an empty
     * string has no lines, and a last line without a break is kept.
     */
    static List<String> splitKeepEnds(String s) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (isLineBreak(c)) {
                int end = c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n' ? i + 2 : i + 1;
                lines.add(s.substring(start, end));
                start = end;
                i = end;
            } else {
                i++;
            }
        }
        if (start < s.length()) {
            lines.add(s.substring(start));
        }
        return lines;
    }

    static boolean isLineBreak(char c) {
        return switch (c) {
            case '\n', '\r', '\u000b', '\u000c', '\u001c', '\u001d', '\u001e', '\u0085', '\u2028', '\u2029' -> true;
            default -> false;
        };
    }
}
