package io.runtimed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.client.NotebookClient;
import io.runtimed.protocol.Json;
import io.runtimed.testkit.Cli;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RuntHome;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runt notebook list} and {@code runt notebook show}: from a running daemon, then from disk. */
class NotebookCliIT {
    private static final Duration WAIT = Duration.ofSeconds(10);

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
    void listAndShowReadTheOpenRoomAndShowReadsTheFileOnceTheDaemonIsGone() throws Exception {
        String id = "notes/été 🌍.ipynb";
        try (DaemonProcess d = DaemonProcess.start(home)) {
            Cli.Result empty = Cli.runt(home, "notebook", "list");
            assertThat(empty.exitCode()).as("%s", empty).isZero();
            assertThat(empty.stdout()).isEqualTo("No open notebooks\n");
            try (NotebookClient c = NotebookClient.join(d.socket(), id)) {
                c.addCell(0, "c1", "code");
                c.updateSource("c1", "print('hi 世界')");
                c.setExecutionCount("c1", "3");
                assertThat(c.awaitSynced(WAIT)).isTrue();

                Cli.Result list = Cli.runt(home, "notebook", "list");
                assertThat(list.stdoutLines()).containsExactly("PEERS  KERNEL  NOTEBOOK", "    1  -       " + id);
                JsonNode rooms = Json.MAPPER.readTree(Cli.runt(home, "notebook", "list", "--json").stdout());
                assertThat(rooms.get(0).get("notebook_id").asText()).isEqualTo(id);

                Cli.Result show = Cli.runt(home, "notebook", "show", id);
                assertThat(show.exitCode()).as("%s", show).isZero();
                assertThat(show.stdout()).contains("[0] code c1 (execution 3)").contains("    print('hi 世界')");
            }
            d.stop();
        }
        Cli.Result fromDisk = Cli.runt(home, "notebook", "show", id, "--json");
        assertThat(fromDisk.exitCode()).as("%s", fromDisk).isZero();
        JsonNode nb = Json.MAPPER.readTree(fromDisk.stdout());
        assertThat(nb.toString()).contains("print('hi 世界')").contains("c1");

        Cli.Result missing = Cli.runt(home, "notebook", "show", "never-opened");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).startsWith("Notebook not found: never-opened");
        Cli.Result noDaemon = Cli.runt(home, "notebook", "list");
        assertThat(noDaemon.exitCode()).isEqualTo(1);
        assertThat(noDaemon.stderr()).startsWith("Daemon not running: ");
    }
}
