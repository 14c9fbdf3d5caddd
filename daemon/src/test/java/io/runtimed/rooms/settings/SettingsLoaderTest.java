package io.runtimed.rooms.settings;

import io.runtimed.sync.settings.NotebookRuntime;
import io.runtimed.sync.settings.SettingsDoc;
import io.runtimed.sync.settings.SyncedSettings;
import io.runtimed.sync.settings.Theme;
import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.sync.NativeHandles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.Transaction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SETTINGS.md §5 (loading at start) and §4 (legacy migration on load). */
class SettingsLoaderTest {
    @TempDir
    Path tmp;

    SettingsPaths paths;
    /** Every document a test loads or builds, freed after it. */
    final java.util.List<Document> docs = new java.util.ArrayList<>();

    private Document track(Document doc) {
        docs.add(doc);
        return doc;
    }

    @BeforeEach
    void setUp() {
        paths = SettingsPaths.of(tmp.resolve("cache/runt"), tmp.resolve("config/runt-notebook"));
    }

    @AfterEach
    void free() {
        docs.forEach(NativeHandles::free);
    }

    private SettingsLoader.Loaded load() {
        SettingsLoader.Loaded loaded = SettingsLoader.load(paths);
        track(loaded.doc());
        return loaded;
    }

    private void saveAutomerge(java.util.function.Consumer<Transaction> edit) throws Exception {
        Document doc = track(SettingsDoc.createDefault());
        try (Transaction tx = doc.startTransaction()) {
            edit.accept(tx);
            tx.commit();
        }
        Files.createDirectories(paths.automerge().getParent());
        Files.write(paths.automerge(), doc.save());
    }

    private void writeJson(String text) throws Exception {
        Files.createDirectories(paths.settingsJson().getParent());
        Files.writeString(paths.settingsJson(), text, StandardCharsets.UTF_8);
    }

    @Test
    void withNothingOnDiskEqualsTheDefaults() {
        SettingsLoader.Loaded loaded = load();
        assertThat(loaded.origin()).isEqualTo(SettingsLoader.Origin.DEFAULTS);
        assertThat(loaded.onDisk()).isFalse();
        assertThat(SettingsDoc.snapshot(loaded.doc())).isEqualTo(SyncedSettings.DEFAULTS);
    }

    @Test
    void prefersTheAutomergeFileOverSettingsJson() throws Exception {
        saveAutomerge(tx -> SettingsDoc.put(tx, "theme", "dark"));
        writeJson("{\"theme\":\"light\"}");
        SettingsLoader.Loaded loaded = load();
        assertThat(loaded.origin()).isEqualTo(SettingsLoader.Origin.AUTOMERGE);
        assertThat(loaded.onDisk()).isTrue();
        assertThat(SettingsDoc.snapshot(loaded.doc()).theme()).isEqualTo(Theme.DARK);
    }

    @Test
    void migratesLegacyFlatKeysOnLoadWithoutWritingTheFile() throws Exception {
        saveAutomerge(tx -> {
            SettingsDoc.put(tx, "default_uv_packages", "numpy, pandas, matplotlib");
            SettingsDoc.put(tx, "default_conda_packages", "scipy");
        });
        byte[] before = Files.readAllBytes(paths.automerge());
        SettingsLoader.Loaded loaded = load();
        Document doc = loaded.doc();
        assertThat(SettingsDoc.getList(doc, "uv.default_packages")).contains(List.of("numpy", "pandas", "matplotlib"));
        assertThat(SettingsDoc.getList(doc, "conda.default_packages")).contains(List.of("scipy"));
        assertThat(doc.keys(ObjectId.ROOT).orElseThrow()).doesNotContain("default_uv_packages", "default_conda_packages");
        assertThat(loaded.onDisk()).as("to be saved by its owner").isFalse();
        assertThat(Files.readAllBytes(paths.automerge())).isEqualTo(before);
    }

    @Test
    void buildsTheDocumentFromANestedSettingsJsonWhenThereIsNoAutomergeFile() throws Exception {
        writeJson("""
                {"$schema":"./settings.schema.json","theme":"dark","default_runtime":"deno",
                 "uv":{"default_packages":["numpy"]},"conda":{"default_packages":[]},
                 "default_uv_packages":"ignored, legacy"}
                """);
        SettingsLoader.Loaded loaded = load();
        assertThat(loaded.origin()).isEqualTo(SettingsLoader.Origin.SETTINGS_JSON);
        SyncedSettings s = SettingsDoc.snapshot(loaded.doc());
        assertThat(s.theme()).isEqualTo(Theme.DARK);
        assertThat(s.defaultRuntime()).isEqualTo(NotebookRuntime.DENO);
        assertThat(s.uv().defaultPackages()).containsExactly("numpy");
        assertThat(SettingsDoc.get(loaded.doc(), "default_uv_packages")).isEmpty();
        assertThat(paths.automerge()).as("loading writes nothing").doesNotExist();
    }

    @Test
    void movesACorruptAutomergeFileAsideAndFallsBackToSettingsJson() throws Exception {
        Files.createDirectories(paths.automerge().getParent());
        byte[] garbage = "definitely not automerge".getBytes(StandardCharsets.UTF_8);
        Files.write(paths.automerge(), garbage);
        writeJson("{\"theme\":\"light\"}");
        SettingsLoader.Loaded loaded = load();
        assertThat(loaded.origin()).isEqualTo(SettingsLoader.Origin.SETTINGS_JSON);
        assertThat(SettingsDoc.snapshot(loaded.doc()).theme()).isEqualTo(Theme.LIGHT);
        assertThat(paths.automerge()).doesNotExist();
        assertThat(Files.readAllBytes(paths.corruptAutomerge())).isEqualTo(garbage);
    }

    @Test
    void treatsAnEmptyAutomergeFileAsATruncatedOne() throws Exception {
        Files.createDirectories(paths.automerge().getParent());
        Files.write(paths.automerge(), new byte[0]);
        SettingsLoader.Loaded loaded = load();
        assertThat(loaded.origin()).isEqualTo(SettingsLoader.Origin.DEFAULTS);
        assertThat(paths.corruptAutomerge()).exists();
    }

    @Test
    void ignoresAnInvalidSettingsJsonAndStartsFromDefaults() throws Exception {
        writeJson("{\"theme\": 3}");
        SettingsLoader.Loaded loaded = load();
        assertThat(loaded.origin()).isEqualTo(SettingsLoader.Origin.DEFAULTS);
        assertThat(SettingsDoc.snapshot(loaded.doc())).isEqualTo(SyncedSettings.DEFAULTS);
    }

    @Test
    void roundTripsThroughASavedFile() throws Exception {
        saveAutomerge(tx -> {
            SettingsDoc.put(tx, "default_python_env", "conda");
            SettingsDoc.putList(tx, "conda.default_packages", List.of("scipy"));
        });
        SyncedSettings s = SettingsDoc.snapshot(load().doc());
        assertThat(s.defaultPythonEnv()).hasToString("conda");
        assertThat(s.conda().defaultPackages()).containsExactly("scipy");
    }
}
