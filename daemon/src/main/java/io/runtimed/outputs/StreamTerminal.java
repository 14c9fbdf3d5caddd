package io.runtimed.outputs;

import java.util.Arrays;

/**
 * The text of one stream output with the terminal-like semantics of KERNELS.md §7.3 "(ours)":
 * {@code \r} returns to the start of the current line and later characters overwrite it (a
 * {@code \r} progress bar ends as one line, {@code \r\n} is a plain newline), {@code \b} moves back
 * one column, ANSI escape sequences stay verbatim in the text and take no column, tabs are kept as
 * one column, nothing is wrapped, the trailing newline is kept, and the text is capped at
 * {@link #CAP_CHARS} with a truncation note.
 *
 * <p>Linear in the text fed: finished lines are appended to one builder and never touched again;
 * only the current line can be overwritten, and overwriting a plain character with a plain
 * character is O(1). Not thread-safe (the router's lock guards it).
 */
final class StreamTerminal {
    /** §7.3 "(ours)": 1 MiB per output (counted in UTF-16 chars, the same for ASCII). */
    static final int CAP_CHARS = 1 << 20;
    static final String TRUNCATION_NOTE = "\n[output truncated: more than 1 MiB of text]\n";
    private static final char ESC = '\u001b';

    private final int cap;
    /** Finished lines, each with its {@code \n}. */
    private final StringBuilder done = new StringBuilder();
    /** The current line: its cells (each: escapes before it, then one character), then pending escapes. */
    private final StringBuilder line = new StringBuilder();
    /** Where cell i starts in {@link #line}. */
    private int[] starts = new int[16];
    private int cells;
    /** Where the cells end in {@link #line}; after it come escapes not yet followed by a character. */
    private int cellsEnd;
    private int col;
    /** An escape sequence cut by the end of a chunk. */
    private final StringBuilder partialEscape = new StringBuilder();
    private boolean truncated;

    StreamTerminal() {
        this(CAP_CHARS);
    }

    StreamTerminal(int cap) {
        this.cap = cap;
    }

    /** Feeds one chunk of the kernel's stream text. */
    void feed(String chunk) {
        if (truncated) {
            return;
        }
        int i = 0;
        int n = chunk.length();
        if (partialEscape.length() > 0) {
            i = continueEscape(chunk, 0);
        }
        while (i < n) {
            char c = chunk.charAt(i);
            switch (c) {
                case '\n' -> {
                    endLine();
                    i++;
                }
                case '\r' -> {
                    col = 0;
                    i++;
                }
                case '\b' -> {
                    col = Math.max(0, col - 1);
                    i++;
                }
                case ESC -> {
                    partialEscape.append(c);
                    i = continueEscape(chunk, i + 1);
                }
                default -> {
                    if (c < 0x20 && c != '\t') {
                        // other control characters (a bell) take no column: kept like an escape
                        line.append(c);
                        i++;
                    } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(chunk.charAt(i + 1))) {
                        put(chunk, i, 2);
                        i += 2;
                    } else {
                        put(chunk, i, 1);
                        i++;
                    }
                }
            }
        }
        if (done.length() + line.length() > cap) {
            truncate();
        }
    }

    /** The text so far: finished lines, then the current line as it shows. */
    String text() {
        StringBuilder out = new StringBuilder(length() + (truncated ? TRUNCATION_NOTE.length() : 0));
        out.append(done).append(line);
        if (truncated) {
            out.append(TRUNCATION_NOTE);
        } else if (partialEscape.length() > 0) {
            out.append(partialEscape);
        }
        return out.toString();
    }

    /** The length of {@link #text()} without a truncation note, in O(1). */
    int length() {
        return done.length() + line.length() + partialEscape.length();
    }

    boolean truncated() {
        return truncated;
    }

    /**
     * Continues the escape sequence in {@link #partialEscape} with {@code chunk} from {@code i}:
     * CSI ({@code ESC [} … final byte 0x40–0x7E), OSC ({@code ESC ]} … BEL or {@code ESC \}), or a
     * two-character escape. Returns the index after what it took; a finished sequence goes to the line.
     */
    private int continueEscape(String chunk, int i) {
        int n = chunk.length();
        while (i < n) {
            char c = chunk.charAt(i++);
            partialEscape.append(c);
            int len = partialEscape.length();
            if (len == 2) {
                if (c != '[' && c != ']') {
                    finishEscape();
                    return i;
                }
                continue;
            }
            char kind = partialEscape.charAt(1);
            if (kind == '[' && c >= 0x40 && c <= 0x7e) {
                finishEscape();
                return i;
            }
            if (kind == ']' && (c == '\u0007' || (c == '\\' && partialEscape.charAt(len - 2) == ESC))) {
                finishEscape();
                return i;
            }
            if (len > 4096) {
                // not a real escape sequence: keep the bytes as they are and move on
                finishEscape();
                return i;
            }
        }
        return i;
    }

    private void finishEscape() {
        line.append(partialEscape);
        partialEscape.setLength(0);
    }

    /** Writes one character (of {@code width} chars in {@code s} at {@code at}) at the cursor. */
    private void put(String s, int at, int width) {
        if (col == cells) {
            if (cells == starts.length) {
                starts = Arrays.copyOf(starts, cells * 2);
            }
            // the pending escapes become this cell's prefix: they already stand in front of it
            starts[cells++] = cellsEnd;
            line.append(s, at, at + width);
            cellsEnd = line.length();
            col++;
            return;
        }
        // overwrite cell col: its new content is the pending escapes and the character
        String pending = line.substring(cellsEnd);
        line.setLength(cellsEnd);
        int start = starts[col];
        int end = col + 1 < cells ? starts[col + 1] : cellsEnd;
        // the new character's own escapes win; without any it keeps the old cell's (a colour set
        // before the overwritten character still holds for it, as on a terminal)
        String prefix = pending;
        if (prefix.isEmpty()) {
            int oldWidth = end - start >= 2 && Character.isLowSurrogate(line.charAt(end - 1))
                    && Character.isHighSurrogate(line.charAt(end - 2)) ? 2 : 1;
            prefix = line.substring(start, end - oldWidth);
        }
        String replacement = prefix.isEmpty() ? s.substring(at, at + width) : prefix + s.substring(at, at + width);
        line.replace(start, end, replacement);
        int delta = replacement.length() - (end - start);
        if (delta != 0) {
            for (int k = col + 1; k < cells; k++) {
                starts[k] += delta;
            }
            cellsEnd += delta;
        }
        col++;
    }

    private void endLine() {
        done.append(line).append('\n');
        line.setLength(0);
        cells = 0;
        cellsEnd = 0;
        col = 0;
    }

    private void truncate() {
        String all = done.toString() + line;
        int cut = cap;
        if (cut > 0 && Character.isHighSurrogate(all.charAt(cut - 1))) {
            cut--;
        }
        done.setLength(0);
        done.append(all, 0, cut);
        line.setLength(0);
        partialEscape.setLength(0);
        cells = 0;
        cellsEnd = 0;
        col = 0;
        truncated = true;
    }
}
