package io.runtimed.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.testkit.Cells;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.JsPeer;
import io.runtimed.testkit.RuntHome;
import io.runtimed.testkit.SystemPackages;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JS window pushes a large notebook in a few big changes, each sent the moment Automerge makes
 * it, without waiting for the daemon's replies (as the app does when it opens a notebook). The
 * exchange must settle: the daemon announces heads equal to the peer's and acknowledges every cell.
 * Issue 12: about half of such pushes never settled (the daemon's last heads were never sent).
 */
class LargePushIT {
    private static final int CHARS_PER_CELL = 500;

    @TempDir
    static Path tmp;
    static RuntHome home;
    static DaemonProcess daemon;

    @BeforeAll
    static void startDaemon() {
        SystemPackages.requireNodeAndNpm();
        home = RuntHome.in(tmp);
        daemon = DaemonProcess.start(home);
    }

    @AfterAll
    static void stopDaemon() {
        if (daemon != null) {
            daemon.close();
        }
        if (home != null) {
            home.close();
        }
    }

    @RepeatedTest(value = 10, name = "500 cells in 10 changes of 50, fresh room {currentRepetition} of {totalRepetitions}")
    void fiveHundredCellsInTenChangesSettle(RepetitionInfo repetition) {
        pushAndSettle("push-500-" + repetition.getCurrentRepetition(), 10, 50, Duration.ofSeconds(10));
    }

    @Test
    void twoThousandCellsInTenChangesSettle() {
        pushAndSettle("push-2000", 10, 200, Duration.ofSeconds(20));
    }

    private void pushAndSettle(String room, int changes, int cellsPerChange, Duration settleWithin) {
        try (JsPeer peer = JsPeer.start(room + "-pusher", tmp)) {
            peer.joinNotebook(daemon.socket(), room, Duration.ofSeconds(10));

            List<String> pushed = new ArrayList<>();
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (int c = 0; c < changes; c++) {
                List<Cells.Cell> cells = Cells.range("c" + c, 0, cellsPerChange, CHARS_PER_CELL);
                pushed.addAll(Cells.ids(cells));
                sent.add(peer.addCells(cells));
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();

            peer.awaitSettled(settleWithin);
            assertThat(peer.acked()).as("cells the daemon acknowledged in room %s", room)
                    .containsExactlyInAnyOrderElementsOf(pushed);
            assertThat(Cells.idsIn(peer.notebook())).as("cells of the JS replica").isEqualTo(pushed);
        }
    }
}
