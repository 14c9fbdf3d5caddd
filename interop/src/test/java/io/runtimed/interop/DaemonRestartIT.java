package io.runtimed.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.testkit.Cells;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.JsPeer;
import io.runtimed.testkit.RuntHome;
import io.runtimed.testkit.SystemPackages;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon goes away in the middle of a session, cleanly or by {@code kill -9}, while JS windows
 * push cells and type. Whatever it acknowledged before it went is in the notebook when it comes
 * back (a new window joining sees it); then the windows reconnect with their replicas and everyone
 * converges on everything, acknowledged or not.
 */
class DaemonRestartIT {
    private static final Duration JOIN = Duration.ofSeconds(10);
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final String TYPED = Cells.typing("the quick brown fox jumps over the lazy dog ", 800);

    @TempDir
    Path tmp;
    RuntHome home;
    final List<DaemonProcess> daemons = new ArrayList<>();

    @BeforeAll
    static void needsNodeAndNpm() {
        SystemPackages.requireNodeAndNpm();
    }

    @BeforeEach
    void setUp() {
        home = RuntHome.in(tmp);
    }

    @AfterEach
    void tearDown() {
        daemons.forEach(DaemonProcess::close);
        home.close();
    }

    @Test
    void aCleanStopMidSessionKeepsEveryAcknowledgedChange() {
        goesAwayMidSessionAndComesBack("clean-stop",
                d -> assertThat(d.stop()).as("exit status of a clean stop").isZero());
    }

    @Test
    void killDashNineMidBurstKeepsEveryAcknowledgedChange() {
        goesAwayMidSessionAndComesBack("kill-9", DaemonProcess::kill9);
    }

    private void goesAwayMidSessionAndComesBack(String room, Consumer<DaemonProcess> goAway) {
        DaemonProcess first = start();
        try (JsPeer pusher = JsPeer.start("pusher", tmp); JsPeer typist = JsPeer.start("typist", tmp)) {
            pusher.joinNotebook(first.socket(), room, JOIN);
            typist.joinNotebook(first.socket(), room, JOIN);
            typist.addCells(List.of(new Cells.Cell("typed", ""))).join();
            JsPeer.awaitConverged(room, JOIN, List.of(pusher, typist));

            // mid-session: cells pushed in 10 changes and a burst of keystrokes, all in flight
            List<String> pushed = new ArrayList<>();
            for (int c = 0; c < 10; c++) {
                List<Cells.Cell> cells = Cells.range("p" + c, 0, 10, 300);
                pushed.addAll(Cells.ids(cells));
                pusher.addCells(cells);
            }
            CompletableFuture<?> typing = typist.type("typed", TYPED, "k");
            typist.awaitAcked(1 + 30, CONVERGE); // the cell and 30 keystrokes
            pusher.awaitAcked(20, CONVERGE);

            goAway.accept(first);
            pusher.awaitDisconnected(1, JOIN);
            typist.awaitDisconnected(1, JOIN);
            Set<String> ackedCells = pusher.acked();
            Set<String> ackedKeys = typist.acked();
            ackedKeys.remove("typed");
            typing.join(); // the typist finishes the burst on its own replica

            DaemonProcess second = start();
            try (JsPeer late = JsPeer.start("late", tmp)) {
                late.joinNotebook(second.socket(), room, JOIN);
                JsonNode notebook = late.notebook();
                assertThat(Cells.idsIn(notebook)).as("cells in room %s after the restart (the daemon"
                        + " acknowledged %d before it went)", room, ackedCells.size()).containsAll(ackedCells);
                assertThat(ackedKeys).as("acknowledged keystrokes (each acknowledges all before it)")
                        .isEqualTo(Set.copyOf(Cells.keystrokeIds("k", ackedKeys.size())));
                String text = Cells.sourceIn(notebook, "typed");
                assertThat(text).as("the typed cell after the restart").isNotNull();
                assertThat(TYPED).as("what was typed; %d keystrokes were acknowledged, the restarted daemon has",
                        ackedKeys.size()).startsWith(text);
                assertThat(text.length()).as("keystrokes in the restarted daemon").isGreaterThanOrEqualTo(ackedKeys.size());

                pusher.reconnect();
                typist.reconnect();
                JsPeer.awaitConverged(room, CONVERGE, List.of(pusher, typist, late));
                JsonNode after = late.notebook();
                assertThat(Cells.idsIn(after)).as("cells once the windows reconnected").containsAll(pushed);
                assertThat(Cells.sourceIn(after, "typed")).as("the typed cell once the windows reconnected")
                        .isEqualTo(TYPED);
                assertThat(pusher.acked()).as("pusher's cells acknowledged by the restarted daemon")
                        .containsAll(pushed);
            }
        }
    }

    private DaemonProcess start() {
        DaemonProcess d = DaemonProcess.start(home);
        daemons.add(d);
        return d;
    }
}
