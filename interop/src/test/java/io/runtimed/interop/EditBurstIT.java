package io.runtimed.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.client.NotebookClient;
import io.runtimed.testkit.Cells;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.JsPeer;
import io.runtimed.testkit.RuntHome;
import io.runtimed.testkit.SystemPackages;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two JS windows type into the same cell at once, one change per keystroke, as fast as they can:
 * thousands of small sync messages cross in both directions. Everything settles and both
 * keystroke streams survive whole and in order.
 */
class EditBurstIT {
    private static final int KEYSTROKES = 1000;
    private static final Duration SETTLE = Duration.ofSeconds(45);

    @TempDir
    Path tmp;
    RuntHome home;
    DaemonProcess daemon;

    @BeforeAll
    static void needsNodeAndNpm() {
        SystemPackages.requireNodeAndNpm();
    }

    @BeforeEach
    void startDaemon() {
        home = RuntHome.in(tmp);
        daemon = DaemonProcess.start(home);
    }

    @AfterEach
    void stopDaemon() {
        daemon.close();
        home.close();
    }

    @Test
    void twoPeersTypingAThousandCharactersEachIntoOneCellConverge() throws Exception {
        String room = "burst";
        // each peer types its own alphabet, so each stream can be read back out of the merged text
        String typedByA = Cells.typing("abcdefghijklmnopqrstuvwxyz", KEYSTROKES);
        String typedByB = Cells.typing("0123456789", KEYSTROKES);
        try (JsPeer a = JsPeer.start("typist-a", tmp); JsPeer b = JsPeer.start("typist-b", tmp)) {
            a.joinNotebook(daemon.socket(), room, Duration.ofSeconds(10));
            b.joinNotebook(daemon.socket(), room, Duration.ofSeconds(10));
            a.addCells(List.of(new Cells.Cell("shared", ""))).join();
            JsPeer.awaitConverged(room, Duration.ofSeconds(10), List.of(a, b));

            CompletableFuture<?> typingA = a.type("shared", typedByA, "a");
            CompletableFuture<?> typingB = b.type("shared", typedByB, "b");
            CompletableFuture.allOf(typingA, typingB).join();
            JsPeer.awaitConverged(room, SETTLE, List.of(a, b));

            assertThat(a.acked()).as("keystrokes of typist-a the daemon acknowledged")
                    .containsAll(Cells.keystrokeIds("a", KEYSTROKES));
            assertThat(b.acked()).as("keystrokes of typist-b the daemon acknowledged")
                    .containsAll(Cells.keystrokeIds("b", KEYSTROKES));
            String text = Cells.sourceIn(a.notebook(), "shared");
            assertThat(Cells.sourceIn(b.notebook(), "shared")).as("typist-b's text").isEqualTo(text);
            assertThat(text).hasSize(2 * KEYSTROKES);
            assertThat(onlyOf(text, "abcdefghijklmnopqrstuvwxyz")).as("typist-a's keystrokes in order").isEqualTo(typedByA);
            assertThat(onlyOf(text, "0123456789")).as("typist-b's keystrokes in order").isEqualTo(typedByB);

            try (NotebookClient java = NotebookClient.join(daemon.socket(), room)) {
                assertThat(java.getCell("shared").orElseThrow().source())
                        .as("the text a Java window joining now reads").isEqualTo(text);
            }
        }
    }

    private static String onlyOf(String text, String alphabet) {
        return text.chars().filter(c -> alphabet.indexOf(c) >= 0)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }
}
