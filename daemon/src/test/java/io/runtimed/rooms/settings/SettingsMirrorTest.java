package io.runtimed.rooms.settings;

import io.runtimed.sync.settings.NotebookRuntime;
import io.runtimed.sync.settings.SettingsDoc;
import io.runtimed.sync.settings.SettingsJson;
import io.runtimed.sync.settings.SettingsSchema;
import io.runtimed.sync.settings.SyncedSettings;
import io.runtimed.sync.settings.Theme;
import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.protocol.Json;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.rooms.DocumentStore;
import io.runtimed.sync.NativeHandles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SETTINGS.md §6 (what is written when) and §7 (hand edits coming back), with the deliberate improvements. */
class SettingsMirrorTest {
    @TempDir
    Path tmp;

    SettingsPaths paths;
    DocumentOwner owner;
    DocumentStore store;
    SettingsMirror files;

    @BeforeEach
    void setUp() {
        paths = SettingsPaths.of(tmp.resolve("cache/runt"), tmp.resolve("config/runt-notebook"));
        open(SettingsDoc.createDefault(), null, 0);
    }

    private void open(Document doc, ChangeHash[] onDisk, long fileBytes) {
        owner = new DocumentOwner("settings", doc);
        store = new DocumentStore(paths.automerge(), owner, onDisk, fileBytes, SettingsRoom.COMPACTION, "test-settings");
        files = new SettingsMirror(paths, owner, store);
    }

    /** What a restart sees: the files as they are now, loaded as the daemon loads them. */
    private void restart() {
        tearDown();
        SettingsLoader.Loaded loaded = SettingsLoader.load(paths);
        open(loaded.doc(), loaded.onDisk() ? loaded.doc().getHeads() : null, loaded.fileBytes());
    }

    @AfterEach
    void tearDown() {
        store.close();
        owner.close();
    }

    /** Makes the document durable, as every change is before a peer hears of it. */
    private void persist() {
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
    }

    private void persistAndPublish() {
        persist();
        files.publish();
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
            persistAndPublish();
            assertThat(savedSnapshot().theme()).isEqualTo(Theme.DARK);
            assertThat(settingsJson()).isEqualTo(owner.read(SettingsJson::mirror)).contains("\"theme\": \"dark\"");
        }

        @Test
        void savesTheDocumentBeforeThePeersHearAndTheMirrorAfter() throws Exception {
            owner.change(tx -> SettingsDoc.put(tx, "theme", "dark"));
            persist();
            assertThat(savedSnapshot().theme()).isEqualTo(Theme.DARK);
            assertThat(paths.settingsJson()).doesNotExist();
            assertThat(files.publish()).as("no hand edit came in between").isFalse();
            assertThat(settingsJson()).contains("\"theme\": \"dark\"");
        }

        @Test
        void savesNothingWhenTheDocumentDidNotMove() throws Exception {
            owner.change(tx -> SettingsDoc.put(tx, "theme", "dark"));
            persistAndPublish();
            Files.delete(paths.automerge());
            persist();
            assertThat(paths.automerge()).doesNotExist();
        }

        @Test
        void appendsChangesToTheFileAndStillLoadsAsTheSameDocument() throws Exception {
            owner.change(tx -> SettingsDoc.put(tx, "theme", "dark"));
            persist();
            long first = Files.size(paths.automerge());
            for (int i = 0; i < 20; i++) {
                String v = "v" + i;
                owner.change(tx -> SettingsDoc.put(tx, "uv.python", v));
                persist();
            }
            assertThat(Files.size(paths.automerge())).isGreaterThan(first);
            Document loaded = NativeHandles.load(Files.readAllBytes(paths.automerge()));
            try {
                assertThat(List.of(loaded.getHeads())).isEqualTo(owner.heads());
                assertThat(SettingsDoc.get(loaded, "uv.python")).contains("v19");
            } finally {
                NativeHandles.free(loaded);
            }
        }

        @Test
        void savesInFullAgainOnceTheAppendedChangesOutgrowTheSlack() throws Exception {
            java.util.Random random = new java.util.Random(5);
            owner.change(tx -> SettingsDoc.put(tx, "theme", "dark"));
            persist();
            byte[] first = Files.readAllBytes(paths.automerge());
            assertThat(first).as("the first save is a full one").isEqualTo(owner.withDocument(Document::save));
            for (int i = 0; i < 12; i++) {
                byte[] noise = new byte[(int) SettingsRoom.COMPACTION.minBytes() / 8];
                random.nextBytes(noise);
                String v = java.util.HexFormat.of().formatHex(noise); // a quarter of the slack, incompressible
                owner.change(tx -> SettingsDoc.put(tx, "uv.big", v));
                persist();
            }
            assertThat(store.compactions()).as("appended changes are folded into a full save").isPositive();
            assertThat(Files.size(paths.automerge())).isLessThan(first.length + 12L * 2 * SettingsRoom.COMPACTION.minBytes() / 8);
            Document loaded = NativeHandles.load(Files.readAllBytes(paths.automerge()));
            try {
                assertThat(List.of(loaded.getHeads())).isEqualTo(owner.heads());
            } finally {
                NativeHandles.free(loaded);
            }
        }

        @Test
        void leavesNoTemporaryFilesBehind() throws Exception {
            for (String theme : List.of("dark", "light", "system")) {
                owner.change(tx -> SettingsDoc.put(tx, "theme", theme));
                persistAndPublish();
            }
            try (Stream<Path> a = Files.list(paths.automerge().getParent());
                 Stream<Path> b = Files.list(paths.settingsJson().getParent())) {
                assertThat(Stream.concat(a, b).map(p -> p.getFileName().toString()))
                        .containsExactlyInAnyOrder("settings.automerge", "settings-json.seen", "settings.json");
            }
        }

        @Test
        void appliesAnUnseenHandEditBeforeRewritingTheMirror() throws Exception {
            owner.change(tx -> SettingsDoc.put(tx, "theme", "light"));
            persistAndPublish();
            userWrites(settingsJson().replace("\"default_runtime\": \"python\"", "\"default_runtime\": \"deno\""));
            owner.change(tx -> SettingsDoc.put(tx, "theme", "dark")); // a peer's change within the debounce
            persistAndPublish();
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
            persistAndPublish();
            assertThat(settingsJson()).isEqualTo(broken);
            assertThat(savedSnapshot().defaultRuntime()).as("the document is still saved").isEqualTo(NotebookRuntime.DENO);

            userWrites("{\"theme\": \"dark\"}"); // fixed
            owner.change(tx -> SettingsDoc.put(tx, "uv.python", "/usr/bin/python3"));
            persistAndPublish();
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
            persistAndPublish();
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

    @Nested
    class AtStart {
        @Test
        void aMirrorOlderThanTheDocumentIsNeverAppliedBack() throws Exception {
            owner.change(tx -> SettingsDoc.put(tx, "theme", "light"));
            persistAndPublish();
            owner.change(tx -> SettingsDoc.put(tx, "theme", "dark"));
            persist(); // killed here: settings.automerge has the change, the mirror does not
            restart();
            files.start();
            assertThat(owner.read(SettingsDoc::snapshot).theme()).as("the acknowledged change stays").isEqualTo(Theme.DARK);
            assertThat(settingsJson()).as("the stale mirror is rewritten").contains("\"theme\": \"dark\"");
        }

        @Test
        void aMirrorWhoseRenameWasCutShortIsNotAppliedEither() throws Exception {
            owner.change(tx -> SettingsDoc.put(tx, "theme", "light"));
            persistAndPublish();
            String old = settingsJson();
            owner.change(tx -> SettingsDoc.put(tx, "theme", "dark"));
            persistAndPublish();
            userWrites(old); // killed between recording the new mirror and renaming it over the old one
            Files.writeString(paths.seen(), Json.MAPPER.writeValueAsString(java.util.Map.of("base", old,
                    "pending", settingsJson().replace("light", "dark"))));
            restart();
            files.start();
            assertThat(owner.read(SettingsDoc::snapshot).theme()).isEqualTo(Theme.DARK);
        }

        @Test
        void anEditMadeWhileStoppedIsAppliedKeyByKey() throws Exception {
            owner.change(tx -> SettingsDoc.put(tx, "theme", "dark"));
            persistAndPublish();
            owner.change(tx -> SettingsDoc.put(tx, "default_python_env", "conda"));
            persist(); // killed before the mirror: the file still says uv
            userWrites(settingsJson().replace("\"theme\": \"dark\"", "\"theme\": \"light\""));
            restart();
            assertThat(files.start()).isTrue();
            SyncedSettings now = owner.read(SettingsDoc::snapshot);
            assertThat(now.theme()).as("the person's edit").isEqualTo(Theme.LIGHT);
            assertThat(now.defaultPythonEnv().wireName()).as("the window's newer change").isEqualTo("conda");
        }

        @Test
        void anEditBackToAnEarlierValueIsStillAnEdit() throws Exception {
            owner.change(tx -> SettingsDoc.put(tx, "theme", "light"));
            persistAndPublish();
            owner.change(tx -> SettingsDoc.put(tx, "theme", "dark"));
            persistAndPublish();
            userWrites(settingsJson().replace("\"theme\": \"dark\"", "\"theme\": \"light\""));
            restart();
            files.start();
            assertThat(owner.read(SettingsDoc::snapshot).theme()).isEqualTo(Theme.LIGHT);
        }

        @Test
        void aHandEditAlreadyAppliedIsNotAppliedAgain() throws Exception {
            userWrites("{\"theme\": \"dark\"}");
            assertThat(files.applyHandEdits()).isTrue();
            owner.change(tx -> SettingsDoc.put(tx, "theme", "light")); // a window, then a kill before the mirror
            persist();
            restart();
            files.start();
            assertThat(owner.read(SettingsDoc::snapshot).theme()).isEqualTo(Theme.LIGHT);
        }
    }
}
