package io.runtimed.sync.settings;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.protocol.Json;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.NativeHandles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.automerge.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SETTINGS.md §6 (what is written when) and §7 (hand edits coming back), with the deliberate improvements. */
class SettingsFilesTest {
    @TempDir
    Path tmp;

    SettingsPaths paths;
    DocumentOwner owner;
    SettingsFiles files;

    @BeforeEach
    void setUp() {
        paths = SettingsPaths.of(tmp.resolve("cache/runt"), tmp.resolve("config/runt-notebook"));
        owner = new DocumentOwner("settings", SettingsDoc.createDefault());
        files = new SettingsFiles(paths, owner, null);
    }

    @AfterEach
    void tearDown() {
        owner.close();
    }

    private void userWrites(String json) throws Exception {
        Files.createDirectories(paths.settingsJson().getParent());
        Files.writeString(paths.settingsJson(), json, StandardCharsets.UTF_8);
    }

    private String settingsJson() throws Exception {
        return Files.readString(paths.settingsJson(), StandardCharsets.UTF_8);
    }

    private SyncedSettings savedSnapshot() throws Exception {
        Document doc = NativeHandles.load(Files.readAllBytes(paths.automerge()));
        try {
            return SettingsDoc.snapshot(doc);
        } finally {
            NativeHandles.free(doc);
        }
    }

    @Nested
    class AfterAPeersChange {
        @Test
        void savesTheDocumentAndItsMirror() throws Exception {
            owner.change(tx -> SettingsDoc.put(tx, "theme", "dark"));
            files.persist();
            assertThat(savedSnapshot().theme()).isEqualTo(Theme.DARK);
            assertThat(settingsJson()).isEqualTo(owner.read(SettingsJson::mirror)).contains("\"theme\": \"dark\"");
        }

        @Test
        void writesNothingWhenTheDocumentDidNotMove() throws Exception {
            owner.change(tx -> SettingsDoc.put(tx, "theme", "dark"));
            files.persist();
            Files.delete(paths.automerge());
            Files.delete(paths.settingsJson());
            files.persist();
            assertThat(paths.automerge()).doesNotExist();
            assertThat(paths.settingsJson()).doesNotExist();
        }

        @Test
        void leavesNoTemporaryFilesBehind() throws Exception {
            for (String theme : List.of("dark", "light", "system")) {
                owner.change(tx -> SettingsDoc.put(tx, "theme", theme));
                files.persist();
            }
            try (Stream<Path> a = Files.list(paths.automerge().getParent());
                 Stream<Path> b = Files.list(paths.settingsJson().getParent())) {
                assertThat(Stream.concat(a, b).map(p -> p.getFileName().toString()))
                        .containsExactlyInAnyOrder("settings.automerge", "settings.json");
            }
        }

        @Test
        void appliesAnUnseenHandEditBeforeRewritingTheMirror() throws Exception {
            owner.change(tx -> SettingsDoc.put(tx, "theme", "light"));
            files.persist();
            userWrites(settingsJson().replace("\"default_runtime\": \"python\"", "\"default_runtime\": \"deno\""));
            owner.change(tx -> SettingsDoc.put(tx, "theme", "dark")); // a peer's change within the debounce
            files.persist();
            SyncedSettings now = owner.read(SettingsDoc::snapshot);
            assertThat(now.theme()).isEqualTo(Theme.DARK);
            assertThat(now.defaultRuntime()).as("the hand edit survived").isEqualTo(NotebookRuntime.DENO);
            assertThat(settingsJson()).contains("\"theme\": \"dark\"", "\"default_runtime\": \"deno\"");
        }

        @Test
        void neverOverwritesAnInvalidSettingsJson() throws Exception {
            String broken = "{\"theme\": \"dark\",\n";
            userWrites(broken);
            assertThat(files.applyHandEdits()).isFalse();
            owner.change(tx -> SettingsDoc.put(tx, "default_runtime", "deno"));
            files.persist();
            assertThat(settingsJson()).isEqualTo(broken);
            assertThat(savedSnapshot().defaultRuntime()).as("the document is still saved").isEqualTo(NotebookRuntime.DENO);

            userWrites("{\"theme\": \"dark\"}"); // fixed
            owner.change(tx -> SettingsDoc.put(tx, "uv.python", "/usr/bin/python3"));
            files.persist();
            assertThat(Json.MAPPER.readTree(settingsJson()).get("theme").asText()).isEqualTo("dark");
        }
    }

    @Nested
    class HandEdits {
        @Test
        void areAppliedAndSavedWithoutReformattingTheUsersFile() throws Exception {
            String mine = "{ \"theme\" : \"dark\" }\n";
            userWrites(mine);
            assertThat(files.applyHandEdits()).isTrue();
            assertThat(owner.read(SettingsDoc::snapshot).theme()).isEqualTo(Theme.DARK);
            assertThat(savedSnapshot().theme()).isEqualTo(Theme.DARK);
            assertThat(settingsJson()).isEqualTo(mine);
        }

        @Test
        void ourOwnMirrorWriteIsNotAppliedBack() throws Exception {
            owner.change(tx -> SettingsDoc.put(tx, "theme", "blue")); // invalid: mirrored as "system"
            files.persist();
            assertThat(settingsJson()).contains("\"theme\": \"system\"");
            List<?> heads = owner.heads();
            assertThat(files.applyHandEdits()).isFalse();
            assertThat(owner.heads()).isEqualTo(heads);
            Optional<String> theme = owner.read(doc -> SettingsDoc.get(doc, "theme"));
            assertThat(theme).as("kept verbatim").contains("blue");
        }

        @Test
        void anInvalidFileChangesNothing() throws Exception {
            List<?> heads = owner.heads();
            userWrites("{\"uv\": {\"default_packages\": \"numpy\"}}");
            assertThat(files.applyHandEdits()).isFalse();
            assertThat(owner.heads()).isEqualTo(heads);
            assertThat(paths.automerge()).doesNotExist();
        }

        @Test
        void theSameContentIsAppliedOnlyOnce() throws Exception {
            userWrites("{\"theme\": \"dark\"}");
            assertThat(files.applyHandEdits()).isTrue();
            owner.change(tx -> SettingsDoc.put(tx, "theme", "light")); // a peer changes it again
            assertThat(files.applyHandEdits()).as("an unchanged file is not re-applied").isFalse();
            assertThat(owner.read(SettingsDoc::snapshot).theme()).isEqualTo(Theme.LIGHT);
        }
    }

    @Test
    void writesTheSchemaFile() throws Exception {
        files.writeSchema();
        assertThat(Files.readString(paths.schema(), StandardCharsets.UTF_8)).isEqualTo(SettingsSchema.text());
    }
}
