package io.runtimed.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.client.NotebookClient;
import io.runtimed.client.SettingsClient;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.sync.settings.Theme;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RuntHome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code awaitSynced} means "stored": a change the daemon acknowledged (announced heads that contain
 * it) is there after the daemon is killed with SIGKILL, no clean-up of any kind, and started again.
 * Each round kills right after the acknowledgement, with the client still connected.
 */
class AcknowledgedIsStoredIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final int ROUNDS = 3;

    @TempDir
    Path tmp;

    RuntHome home;

    @BeforeEach
    void setUp() {
        home = RuntHome.in(tmp);
    }

    @AfterEach
    void tearDown() {
        home.close();
    }

    @Test
    void settingsAcknowledgedSurviveKillDashNine() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String value = "round " + round + " 🌍";
            try (DaemonProcess d = DaemonProcess.start(home)) {
                if (round > 0) {
                    try (SettingsClient check = SettingsClient.connect(d.socket())) {
                        assertThat(check.get("uv.note")).as("round %d", round).contains("round " + (round - 1) + " 🌍");
                    }
                }
                try (SettingsClient c = SettingsClient.connect(d.socket())) {
                    c.set("theme", round % 2 == 0 ? "dark" : "light");
                    c.set("uv.note", value);
                    c.set("conda.default_packages", List.of("scipy", "r" + round));
                    assertThat(c.awaitSynced(WAIT)).as("round %d acknowledged", round).isTrue();
                    d.kill9();
                }
            }
        }
        try (DaemonProcess d = DaemonProcess.start(home); SettingsClient c = SettingsClient.connect(d.socket())) {
            int last = ROUNDS - 1;
            assertThat(c.get("uv.note")).contains("round " + last + " 🌍");
            assertThat(c.getAll().theme()).isEqualTo(last % 2 == 0 ? Theme.DARK : Theme.LIGHT);
            assertThat(c.getAll().conda().defaultPackages()).containsExactly("scipy", "r" + last);
        }
    }

    @Test
    void notebookEditsAcknowledgedSurviveKillDashNine() throws Exception {
        String id = "kill-nine/été 🌍.ipynb";
        for (int round = 0; round < ROUNDS; round++) {
            try (DaemonProcess d = DaemonProcess.start(home);
                 NotebookClient c = NotebookClient.join(d.socket(), id, Duration.ofSeconds(2), Duration.ZERO)) {
                assertThat(c.getCells()).as("round %d starts with every earlier round's cell", round).hasSize(round);
                String cell = "c" + round;
                c.addCell(round, cell, "code");
                c.updateSource(cell, "print('round " + round + " 世界')");
                c.setExecutionCount(cell, Integer.toString(round + 1));
                assertThat(c.awaitSynced(WAIT)).as("round %d acknowledged", round).isTrue();
                d.kill9();
            }
        }
        try (DaemonProcess d = DaemonProcess.start(home); NotebookClient c = NotebookClient.join(d.socket(), id)) {
            List<NotebookCell> cells = c.getCells();
            assertThat(cells).extracting(NotebookCell::id).containsExactly("c0", "c1", "c2");
            for (int round = 0; round < ROUNDS; round++) {
                assertThat(cells.get(round).source()).isEqualTo("print('round " + round + " 世界')");
                assertThat(cells.get(round).executionCount()).isEqualTo(Integer.toString(round + 1));
            }
        }
    }
}
