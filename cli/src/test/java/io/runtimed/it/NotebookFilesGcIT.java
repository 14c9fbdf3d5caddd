package io.runtimed.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.client.NotebookClient;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.testkit.Cli;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RuntHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: a notebook opened from its file keeps every output through a daemon restart and a
 * blob gc that runs while no daemon does, however old the blobs are (real daemon processes, the
 * real gc command).
 */
class NotebookFilesGcIT {
    @Test
    void theGcAfterARestartKeepsEveryOutputOfEveryPersistedNotebook() throws Exception {
        try (RuntHome home = RuntHome.temporary("nbgc")) {
            byte[] png = new byte[30_000];
            new Random(7).nextBytes(png);
            String image = Base64.getEncoder().encodeToString(png);
            Path file = home.root().resolve("plots.ipynb");
            Files.writeString(file, """
                    {"cells": [{"cell_type": "code", "execution_count": 4, "id": "plot", "metadata": {},
                      "outputs": [{"name": "stdout", "output_type": "stream", "text": ["drawing\\n"]},
                                  {"data": {"image/png": "%s", "text/plain": ["<Figure>"]}, "metadata": {},
                                   "output_type": "display_data"}],
                      "source": ["plot()"]}],
                     "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
                    """.formatted(image));
            List<ObjectNode> before;
            DaemonProcess daemon = DaemonProcess.in(home).start();
            try {
                Cli.Result opened = Cli.runt(home, "notebook", "open", file.toString());
                assertThat(opened.exitCode()).as(opened.toString()).isZero();
                try (NotebookClient c = NotebookClient.join(daemon.socket(), file.toString())) {
                    before = c.resolvedOutputs("plot");
                }
            } finally {
                daemon.close();
            }
            assertThat(before).hasSize(2);
            assertThat(before.get(1).path("data").path("image/png").asText()).isEqualTo(image);

            // every blob a year old, and one that nothing refers to
            Path blobs = home.cache().resolve("runt").resolve("blobs");
            Path stray = blobs.resolve("00").resolve("0".repeat(62));
            Files.createDirectories(stray.getParent());
            Files.write(stray, new byte[10]);
            Files.writeString(stray.resolveSibling(stray.getFileName() + ".meta"),
                    "{\"media_type\":\"x\",\"size\":10,\"created_at\":\"2025-01-01T00:00:00Z\"}");
            FileTime yearAgo = FileTime.from(Instant.now().minus(Duration.ofDays(365)));
            List<Path> all = new ArrayList<>();
            try (Stream<Path> walk = Files.walk(blobs)) {
                walk.filter(Files::isRegularFile).forEach(all::add);
            }
            for (Path p : all) {
                Files.getFileAttributeView(p, BasicFileAttributeView.class).setTimes(yearAgo, yearAgo, null);
            }
            Cli.Result gc = Cli.runtimed(home, "blobs", "gc");
            assertThat(gc.exitCode()).as(gc.toString()).isZero();
            assertThat(stray).as("an old blob nothing refers to goes").doesNotExist();

            DaemonProcess again = DaemonProcess.in(home).start();
            try (NotebookClient c = NotebookClient.join(again.socket(), file.toString())) {
                assertThat(c.getCells()).extracting(NotebookCell::id).containsExactly("plot");
                assertThat(c.resolvedOutputs("plot")).isEqualTo(before);
            } finally {
                again.close();
            }
        }
    }
}
