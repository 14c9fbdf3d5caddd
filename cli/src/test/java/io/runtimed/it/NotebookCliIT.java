package io.runtimed.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.client.NotebookClient;
import io.runtimed.paths.NotebookDocFiles;
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

/**
 * {@code runt notebook list}, {@code runt notebook show} and {@code runt inspect} (KERNELS.md §11.1):
 * from a running daemon's room, from its file, then from disk with no daemon.
 */
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
                assertThat(rooms.toString()).isEqualTo("[{\"notebook_id\":\"" + id + "\",\"active_peers\":1,"
                        + "\"has_kernel\":false}]");

                Cli.Result live = Cli.runt(home, "inspect", id, "--json");
                assertThat(live.exitCode()).as("%s", live).isZero();
                assertThat(Json.MAPPER.readTree(live.stdout()).toString()).isEqualTo("{\"type\":\"notebook_state\","
                        + "\"notebook_id\":\"" + id + "\",\"cells\":[{\"id\":\"c1\",\"cell_type\":\"code\","
                        + "\"source\":\"print('hi 世界')\",\"execution_count\":\"3\",\"outputs\":[]}],"
                        + "\"source\":\"live_room\",\"kernel_info\":null}");

                Cli.Result show = Cli.runt(home, "notebook", "show", id);
                assertThat(show.exitCode()).as("%s", show).isZero();
                assertThat(show.stdout()).contains("[0] code c1 (execution 3)").contains("    print('hi 世界')");
            }
            await("the room closed").atMost(WAIT).until(() -> d.client().listRooms().isEmpty());
            Cli.Result persisted = Cli.runt(home, "inspect", id);
            assertThat(persisted.exitCode()).as("%s", persisted).isZero();
            assertThat(persisted.stdoutLines()).containsExactly("notebook " + id + " (1 cells, persisted file)",
                    "kernel: none", "", "[0] code c1 (execution 3)", "    print('hi 世界')");
            Cli.Result nowhere = Cli.runt(home, "inspect", "never-opened");
            assertThat(nowhere.exitCode()).isEqualTo(1);
            assertThat(nowhere.stderr()).isEqualTo("Failed to inspect notebook: Daemon returned error: Notebook not found: "
                    + "no active room and no persisted file at \""
                    + home.paths().notebookDocsDir().resolve(NotebookDocFiles.fileName("never-opened")) + "\"\n");
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
        Cli.Result inspectNoDaemon = Cli.runt(home, "inspect", id);
        assertThat(inspectNoDaemon.exitCode()).isEqualTo(1);
        assertThat(inspectNoDaemon.stderr()).startsWith("Daemon not running: ");
    }
}
