package io.runtimed.rooms.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SETTINGS.md §7: directory watch, name filter, debounce. */
class SettingsWatcherTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    final AtomicInteger edits = new AtomicInteger();
    SettingsWatcher watcher;

    @AfterEach
    void stop() {
        if (watcher != null) {
            watcher.close();
        }
    }

    private Path start(Duration debounce) {
        Path file = tmp.resolve("config/runt-notebook/settings.json");
        watcher = SettingsWatcher.start(file, debounce, edits::incrementAndGet).orElseThrow();
        return file;
    }

    @Test
    void createsTheDirectoryAndSeesTheFileAppear() throws Exception {
        Path file = start(Duration.ofMillis(50));
        assertThat(file.getParent()).isDirectory();
        Files.writeString(file, "{}");
        await().atMost(WAIT).until(() -> edits.get() == 1);
    }

    @Test
    void keepsSeeingEditsAfterRenameSaves() throws Exception {
        Path file = start(Duration.ofMillis(50));
        for (int i = 1; i <= 3; i++) {
            // how editors save: a new file renamed over the old one (a new inode every time)
            Path tmpFile = file.resolveSibling(".settings.json.swp");
            Files.writeString(tmpFile, "{\"theme\":\"dark\",\"n\":" + i + "}", StandardCharsets.UTF_8);
            Files.move(tmpFile, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            int want = i;
            await().atMost(WAIT).until(() -> edits.get() == want);
        }
    }

    @Test
    void debouncesABurstOfWritesIntoOneCallback() throws Exception {
        Path file = start(SettingsWatcher.DEBOUNCE);
        for (int i = 0; i < 5; i++) {
            Files.writeString(file, "{\"n\":" + i + "}");
        }
        await().atMost(WAIT).until(() -> edits.get() >= 1);
        // the burst fired once; watch a full window more to see that no second call follows
        await().during(SettingsWatcher.DEBOUNCE.plusMillis(200)).atMost(WAIT).until(() -> edits.get() == 1);
    }

    @Test
    void ignoresOtherFilesInTheDirectory() throws Exception {
        Path file = start(Duration.ofMillis(50));
        Files.writeString(file.resolveSibling("settings.schema.json"), "{}");
        Files.writeString(file.resolveSibling("other.json"), "{}");
        Files.writeString(file, "{}");
        await().atMost(WAIT).until(() -> edits.get() == 1);
        Files.writeString(file.resolveSibling("other.json"), "{\"x\":1}");
        Files.writeString(file, "{\"y\":1}");
        await().atMost(WAIT).until(() -> edits.get() == 2);
    }
}
