package io.runtimed.outputs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** KERNELS.md §7.3 "(ours)": terminal-like stream text without the reference's defects. */
class StreamTerminalTest {
    static String render(String... chunks) {
        StreamTerminal t = new StreamTerminal();
        for (String c : chunks) {
            t.feed(c);
        }
        return t.text();
    }

    @Nested
    class CarriageReturnAndBackspace {
        @Test
        void aProgressBarEndsAsOneLine() {
            String[] parts = new String[101];
            for (int i = 0; i <= 100; i++) {
                parts[i] = "\r" + "#".repeat(i / 10) + " " + i + "%";
            }
            assertThat(render(parts)).isEqualTo("##########" + " 100%");
            assertThat(render("\rloading 10%", "\rloading 100%", "\n", "done\n")).isEqualTo("loading 100%\ndone\n");
        }

        @Test
        void aShorterRedrawKeepsTheRestOfTheLineAsATerminalDoes() {
            assertThat(render("abcdef\rXY\n")).isEqualTo("XYcdef\n");
        }

        @Test
        void crlfIsAPlainNewline() {
            assertThat(render("one\r\ntwo\r\n")).isEqualTo("one\ntwo\n");
        }

        @Test
        void backspaceMovesBackOneColumn() {
            assertThat(render("abc\b\bX")).isEqualTo("aXc");
            assertThat(render("\b\bab")).isEqualTo("ab");
        }

        @Test
        void aChunkBoundaryInsideACrlfChangesNothing() {
            assertThat(render("one\r", "\ntwo")).isEqualTo("one\ntwo");
        }
    }

    @Nested
    class KeptAsTheyCame {
        @Test
        void theTrailingNewlineIsKept() {
            assertThat(render("hi\n")).isEqualTo("hi\n");
            assertThat(render("\n\n")).isEqualTo("\n\n");
        }

        @Test
        void aLongLineIsNotWrapped() {
            String line = "x".repeat(10_000);
            assertThat(render(line + "\n")).isEqualTo(line + "\n");
        }

        @Test
        void tabsAreKept() {
            assertThat(render("a\tb\n")).isEqualTo("a\tb\n");
        }

        @Test
        void ansiSequencesAreVerbatimAndTakeNoColumn() {
            String red = "\u001b[31m";
            String reset = "\u001b[0m";
            assertThat(render(red + "error" + reset + "\n")).isEqualTo(red + "error" + reset + "\n");
            // the redraw overwrites the visible columns, not the escapes' characters
            assertThat(render(red + "abcd\rWX")).isEqualTo(red + "WXcd");
            // a reset written before the redraw applies to what follows it
            assertThat(render(red + "abcd" + reset + "\rWXYZ")).isEqualTo(reset + "WXYZ");
        }

        @Test
        void anEscapeSplitAcrossChunksIsKeptWhole() {
            assertThat(render("\u001b[3", "2mgreen\u001b", "[0m\n")).isEqualTo("\u001b[32mgreen\u001b[0m\n");
        }

        @Test
        void surrogatePairsTakeOneColumn() {
            assertThat(render("🎉a\rb")).isEqualTo("ba");
        }
    }

    @Nested
    class Cap {
        @Test
        void textBeyondTheCapIsCutWithANote() {
            StreamTerminal t = new StreamTerminal(100);
            t.feed("y".repeat(60));
            t.feed("z".repeat(60));
            t.feed("more");
            assertThat(t.truncated()).isTrue();
            assertThat(t.text()).isEqualTo("y".repeat(60) + "z".repeat(40) + StreamTerminal.TRUNCATION_NOTE);
        }

        @Test
        void oneMebibyteIsTheDefault() {
            assertThat(StreamTerminal.CAP_CHARS).isEqualTo(1024 * 1024);
        }
    }

    @Test
    void aMillionCharactersOfLinesTakeLinearTime() {
        StreamTerminal t = new StreamTerminal();
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            String line = i + "\n";
            t.feed(line);
            expected.append(line);
        }
        assertThat(t.text()).isEqualTo(expected.toString());
    }
}
