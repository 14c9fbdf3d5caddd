package io.runtimed.rooms.settings;

import io.runtimed.sync.settings.SettingsSchema;
import io.runtimed.sync.settings.SyncedSettings;
import io.runtimed.sync.settings.Theme;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runtimed.sync.NativeHandles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings room's start and stop (SETTINGS.md §5, §6, §7; DAEMON.md §5 step 3, §6). */
class SettingsRoomTest {
    @TempDir
    Path tmp;

    SettingsPaths paths;

    @BeforeEach
    void setUp() {
        paths = SettingsPaths.of(tmp.resolve("cache/runt"), tmp.resolve("config/runt-notebook"));
    }

    @Test
    void aFreshStartWritesTheDocumentItsMirrorAndTheSchema() throws Exception {
        try (SettingsRoom room = SettingsRoom.open(paths)) {
            assertThat(room.snapshot()).isEqualTo(SyncedSettings.DEFAULTS);
        }
        assertThat(paths.automerge()).exists();
        assertThat(Files.readString(paths.settingsJson())).contains("\"$schema\": \"./settings.schema.json\"");
        assertThat(Files.readString(paths.schema())).isEqualTo(SettingsSchema.text());
    }

    @Test
    void aDocumentAlreadyOnDiskIsNotRewrittenAtStart() throws Exception {
        try (SettingsRoom room = SettingsRoom.open(paths)) {
            assertThat(room.peerCount()).isZero();
        }
        byte[] saved = Files.readAllBytes(paths.automerge());
        Files.delete(paths.settingsJson());
        try (SettingsRoom room = SettingsRoom.open(paths)) {
            assertThat(room.snapshot()).isEqualTo(SyncedSettings.DEFAULTS);
        }
        assertThat(Files.readAllBytes(paths.automerge())).isEqualTo(saved);
    }

    @Test
    void anEditMadeWhileNoDaemonRanIsAppliedAtStart() throws Exception {
        try (SettingsRoom room = SettingsRoom.open(paths)) {
            assertThat(room.snapshot().theme()).isEqualTo(Theme.SYSTEM);
        }
        String edited = Files.readString(paths.settingsJson()).replace("\"system\"", "\"dark\"");
        Files.writeString(paths.settingsJson(), edited, StandardCharsets.UTF_8);
        try (SettingsRoom room = SettingsRoom.open(paths)) {
            assertThat(room.snapshot().theme()).isEqualTo(Theme.DARK);
        }
    }

    @Test
    void theWatcherAppliesHandEditsWhileItRuns() throws Exception {
        try (SettingsRoom room = SettingsRoom.open(paths, Duration.ofMillis(50))) {
            room.startWatching();
            Files.writeString(paths.settingsJson(), "{\"default_python_env\": \"conda\"}", StandardCharsets.UTF_8);
            await().atMost(Duration.ofSeconds(10)).until(() -> room.snapshot().defaultPythonEnv().wireName().equals("conda"));
        }
    }

    @Test
    void closingFreesTheDocumentOnce() {
        NativeHandles.Counts before = NativeHandles.counts();
        SettingsRoom room = SettingsRoom.open(paths);
        room.startWatching();
        room.close();
        room.close();
        NativeHandles.Counts delta = NativeHandles.counts().minus(before);
        assertThat(delta.documentsCreated()).isEqualTo(1);
        assertThat(delta.documentsFreed()).isEqualTo(1);
    }
}
