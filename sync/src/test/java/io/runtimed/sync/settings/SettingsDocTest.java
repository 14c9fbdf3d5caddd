package io.runtimed.sync.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.Json;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.Replicas;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.automerge.AmValue;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.Transaction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SETTINGS.md §1-§4 and §7 on real Automerge documents (TESTS.md "Settings document (unit)"). */
class SettingsDocTest {
    private final Replicas replicas = new Replicas();

    @AfterEach
    void free() {
        replicas.close();
    }

    private Document fresh() {
        return replicas.track(SettingsDoc.createDefault());
    }

    private static void edit(Document doc, Consumer<Transaction> change) {
        try (Transaction tx = doc.startTransaction()) {
            change.accept(tx);
            tx.commit();
        }
    }

    @Nested
    class TheFreshDocument {
        @Test
        void yieldsTheDefaults() {
            assertThat(SettingsDoc.snapshot(fresh())).isEqualTo(SyncedSettings.DEFAULTS);
            assertThat(SyncedSettings.DEFAULTS.theme()).isEqualTo(Theme.SYSTEM);
            assertThat(SyncedSettings.DEFAULTS.defaultRuntime()).isEqualTo(NotebookRuntime.PYTHON);
            assertThat(SyncedSettings.DEFAULTS.defaultPythonEnv()).isEqualTo(EnvType.UV);
        }

        @Test
        void holdsOnlyStrScalarsAndTheTwoSectionMapsWithEmptyLists() {
            Document doc = fresh();
            assertThat(doc.keys(ObjectId.ROOT).orElseThrow())
                    .containsExactlyInAnyOrder("theme", "default_runtime", "default_python_env", "uv", "conda");
            assertThat(doc.get(ObjectId.ROOT, "theme").orElseThrow()).isInstanceOf(AmValue.Str.class);
            for (String section : List.of("uv", "conda")) {
                AmValue.Map map = (AmValue.Map) doc.get(ObjectId.ROOT, section).orElseThrow();
                AmValue.List list = (AmValue.List) doc.get(map.getId(), "default_packages").orElseThrow();
                assertThat(doc.length(list.getId())).isZero();
            }
        }

        @Test
        void isOneChange() {
            assertThat(fresh().getHeads()).hasSize(1);
        }
    }

    @Nested
    class PutAndGet {
        @Test
        void putsAndGetsAScalarAndAMissingKeyIsNone() {
            Document doc = fresh();
            edit(doc, tx -> SettingsDoc.put(tx, "theme", "dark"));
            assertThat(SettingsDoc.get(doc, "theme")).contains("dark");
            assertThat(SettingsDoc.get(doc, "nope")).isEmpty();
            assertThat(SettingsDoc.get(doc, "uv.nope")).isEmpty();
            assertThat(SettingsDoc.get(doc, "nosection.key")).isEmpty();
        }

        @Test
        void putsAListAndASecondPutReplacesIt() {
            Document doc = fresh();
            assertThat(SettingsDoc.getList(doc, "uv.default_packages")).contains(List.of());
            edit(doc, tx -> SettingsDoc.putList(tx, "uv.default_packages", List.of("numpy", "pandas")));
            assertThat(SettingsDoc.getList(doc, "uv.default_packages")).contains(List.of("numpy", "pandas"));
            edit(doc, tx -> SettingsDoc.putList(tx, "uv.default_packages", List.of("scipy")));
            assertThat(SettingsDoc.getList(doc, "uv.default_packages")).contains(List.of("scipy"));
            assertThat(SettingsDoc.getList(doc, "conda.default_packages")).contains(List.of());
        }

        @Test
        void refusesAListUnderAnUndottedKey() {
            Document doc = fresh();
            assertThatThrownBy(() -> edit(doc, tx -> SettingsDoc.putList(tx, "packages", List.of("x"))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("list key must be dotted");
        }

        @Test
        void putValueStoresAJsonStringAndAJsonArrayAndIgnoresEverythingElse() throws Exception {
            Document doc = fresh();
            boolean[] wrote = new boolean[3];
            JsonNode array = Json.MAPPER.readTree("[\"numpy\", 5, \"scipy\", null]");
            JsonNode number = Json.MAPPER.readTree("42");
            edit(doc, tx -> {
                wrote[0] = SettingsDoc.putValue(tx, "theme", TextNode.valueOf("light"));
                wrote[1] = SettingsDoc.putValue(tx, "conda.default_packages", array);
                wrote[2] = SettingsDoc.putValue(tx, "default_runtime", number);
            });
            assertThat(wrote).containsExactly(true, true, false);
            assertThat(SettingsDoc.get(doc, "theme")).contains("light");
            assertThat(SettingsDoc.getList(doc, "conda.default_packages")).contains(List.of("numpy", "scipy"));
            assertThat(SettingsDoc.get(doc, "default_runtime")).contains("python");
        }

        @Test
        void aDottedPutReusesTheExistingSectionMap() {
            Document doc = fresh();
            ObjectId before = ((AmValue.Map) doc.get(ObjectId.ROOT, "uv").orElseThrow()).getId();
            edit(doc, tx -> SettingsDoc.put(tx, "uv.python", "/usr/bin/python3"));
            ObjectId after = ((AmValue.Map) doc.get(ObjectId.ROOT, "uv").orElseThrow()).getId();
            assertThat(after).isEqualTo(before);
            assertThat(SettingsDoc.get(doc, "uv.python")).contains("/usr/bin/python3");
            assertThat(SettingsDoc.getList(doc, "uv.default_packages")).as("the list beside it survives").contains(List.of());
        }

        @Test
        void aDottedPutCreatesANewSectionMapAndReplacesANonMapValue() {
            Document doc = fresh();
            edit(doc, tx -> {
                SettingsDoc.put(tx, "new_section.key", "v");
                SettingsDoc.put(tx, "theme.sub", "x"); // theme holds a Str: a Map replaces it
            });
            assertThat(SettingsDoc.get(doc, "new_section.key")).contains("v");
            assertThat(SettingsDoc.get(doc, "theme.sub")).contains("x");
            assertThat(SettingsDoc.snapshot(doc).theme()).isEqualTo(Theme.SYSTEM);
        }

        @Test
        void splitsAKeyAtTheFirstDotOnly() {
            Document doc = fresh();
            edit(doc, tx -> SettingsDoc.put(tx, "uv.a.b", "v"));
            assertThat(SettingsDoc.get(doc, "uv.a.b")).contains("v");
            assertThat(SettingsDoc.sectionExtras(doc, "uv")).containsEntry("a.b", "v");
        }

        @Test
        void nonAsciiValuesRoundTripVerbatim() {
            Document doc = fresh();
            String value = "héllo 🌍 世界 \uD83D\uDC4B\uD83C\uDFFD";
            edit(doc, tx -> {
                SettingsDoc.put(tx, "uv.note", value);
                SettingsDoc.putList(tx, "conda.default_packages", List.of("数据", "🐍"));
            });
            Document loaded = replicas.track(reload(doc));
            assertThat(SettingsDoc.get(loaded, "uv.note")).contains(value);
            assertThat(SettingsDoc.snapshot(loaded).conda().defaultPackages()).containsExactly("数据", "🐍");
        }
    }

    @Nested
    class TheSnapshot {
        @Test
        void ofAnEmptyDocumentIsTheDefaults() {
            assertThat(SettingsDoc.snapshot(replicas.empty())).isEqualTo(SyncedSettings.DEFAULTS);
        }

        @Test
        void readsThemeRuntimeAndEnv() {
            Document doc = fresh();
            edit(doc, tx -> {
                SettingsDoc.put(tx, "theme", "dark");
                SettingsDoc.put(tx, "default_runtime", "deno");
                SettingsDoc.put(tx, "default_python_env", "conda");
            });
            SyncedSettings s = SettingsDoc.snapshot(doc);
            assertThat(s.theme()).isEqualTo(Theme.DARK);
            assertThat(s.defaultRuntime()).isEqualTo(NotebookRuntime.DENO);
            assertThat(s.defaultPythonEnv()).isEqualTo(EnvType.CONDA);
        }

        @ParameterizedTest(name = "theme \"{0}\" reads as {1}")
        @CsvSource({"system,SYSTEM", "light,LIGHT", "dark,DARK", "Dark,SYSTEM", "blue,SYSTEM", "'',SYSTEM"})
        void acceptsOnlyTheExactThemeNames(String stored, Theme expected) {
            Document doc = fresh();
            edit(doc, tx -> SettingsDoc.put(tx, "theme", stored));
            assertThat(SettingsDoc.snapshot(doc).theme()).isEqualTo(expected);
        }

        @ParameterizedTest(name = "default_runtime \"{0}\" reads as {1}")
        @CsvSource({"python,PYTHON", "PY,PYTHON", "Deno,DENO", "typescript,DENO", "TS,DENO", "ruby,PYTHON"})
        void readsTheRuntimeCaseInsensitivelyWithItsAliases(String stored, NotebookRuntime expected) {
            Document doc = fresh();
            edit(doc, tx -> SettingsDoc.put(tx, "default_runtime", stored));
            assertThat(SettingsDoc.snapshot(doc).defaultRuntime()).isEqualTo(expected);
        }

        @ParameterizedTest(name = "default_python_env \"{0}\" reads as {1}")
        @CsvSource({"uv,UV", "CONDA,CONDA", "pixi,UV"})
        void readsTheEnvTypeCaseInsensitively(String stored, EnvType expected) {
            Document doc = fresh();
            edit(doc, tx -> SettingsDoc.put(tx, "default_python_env", stored));
            assertThat(SettingsDoc.snapshot(doc).defaultPythonEnv()).isEqualTo(expected);
        }

        @Test
        void readsAWrongTypeAsTheDefault() {
            Document doc = fresh();
            edit(doc, tx -> {
                tx.set(ObjectId.ROOT, "theme", 3);
                tx.set(ObjectId.ROOT, "default_runtime", ObjectType.MAP);
                tx.set(ObjectId.ROOT, "uv", "not a map");
            });
            assertThat(SettingsDoc.snapshot(doc)).isEqualTo(SyncedSettings.DEFAULTS);
        }

        @Test
        void readsTheNestedListsSkippingNonStrElements() {
            Document doc = fresh();
            edit(doc, tx -> {
                SettingsDoc.putList(tx, "uv.default_packages", List.of("numpy"));
                ObjectId conda = ((AmValue.Map) tx.get(ObjectId.ROOT, "conda").orElseThrow()).getId();
                ObjectId list = tx.set(conda, "default_packages", ObjectType.LIST);
                tx.insert(list, 0, "scipy");
                tx.insert(list, 1, 7);
                tx.insert(list, 2, "r-base");
            });
            SyncedSettings s = SettingsDoc.snapshot(doc);
            assertThat(s.uv().defaultPackages()).containsExactly("numpy");
            assertThat(s.conda().defaultPackages()).containsExactly("scipy", "r-base");
        }

        @Test
        void fallsBackToTheLegacyCommaStringOnlyWhenTheListHasNoStr() {
            Document doc = fresh();
            edit(doc, tx -> {
                SettingsDoc.put(tx, "default_uv_packages", " numpy, pandas ,,");
                SettingsDoc.put(tx, "default_conda_packages", "scipy");
                SettingsDoc.putList(tx, "conda.default_packages", List.of("r-base"));
            });
            SyncedSettings s = SettingsDoc.snapshot(doc);
            assertThat(s.uv().defaultPackages()).containsExactly("numpy", "pandas");
            assertThat(s.conda().defaultPackages()).as("a non-empty list wins").containsExactly("r-base");
        }

        @Test
        void getAllReturnsBothPackageLists() {
            Document doc = fresh();
            edit(doc, tx -> {
                SettingsDoc.putList(tx, "uv.default_packages", List.of("numpy", "pandas"));
                SettingsDoc.putList(tx, "conda.default_packages", List.of("scipy"));
            });
            SyncedSettings s = SettingsDoc.snapshot(doc);
            assertThat(s.uv().defaultPackages()).containsExactly("numpy", "pandas");
            assertThat(s.conda().defaultPackages()).containsExactly("scipy");
        }
    }

    @Nested
    class CommaSplitting {
        @ParameterizedTest(name = "\"{0}\"")
        @CsvSource(delimiter = '|', value = {
                "numpy, pandas, matplotlib|numpy;pandas;matplotlib",
                "' a ,, b ,'|a;b",
                "''|",
                "'   '|",
                "single|single"})
        void trimsAndDropsEmptyParts(String text, String expected) {
            List<String> want = expected == null ? List.of() : List.of(expected.split(";"));
            assertThat(SettingsDoc.splitCommaList(text)).isEqualTo(want);
        }
    }

    @Nested
    class LegacyMigration {
        @Test
        void movesTheFlatKeysIntoNestedListsAndDeletesThem() {
            Document doc = fresh();
            edit(doc, tx -> {
                SettingsDoc.put(tx, "default_uv_packages", "numpy, pandas, matplotlib");
                SettingsDoc.put(tx, "default_conda_packages", "scipy");
            });
            boolean[] migrated = new boolean[1];
            edit(doc, tx -> migrated[0] = SettingsDoc.migrateLegacy(tx));
            assertThat(migrated[0]).isTrue();
            assertThat(SettingsDoc.getList(doc, "uv.default_packages")).contains(List.of("numpy", "pandas", "matplotlib"));
            assertThat(SettingsDoc.getList(doc, "conda.default_packages")).contains(List.of("scipy"));
            assertThat(doc.keys(ObjectId.ROOT).orElseThrow()).doesNotContain("default_uv_packages", "default_conda_packages");
        }

        @Test
        void deletesAnEmptyLegacyKeyWithoutTouchingTheList() {
            Document doc = fresh();
            edit(doc, tx -> {
                SettingsDoc.putList(tx, "uv.default_packages", List.of("kept"));
                SettingsDoc.put(tx, "default_uv_packages", " , ");
            });
            edit(doc, SettingsDoc::migrateLegacy);
            assertThat(SettingsDoc.getList(doc, "uv.default_packages")).contains(List.of("kept"));
            assertThat(SettingsDoc.get(doc, "default_uv_packages")).isEmpty();
        }

        @Test
        void doesNothingWithoutLegacyKeys() {
            Document doc = fresh();
            boolean[] migrated = {true};
            edit(doc, tx -> migrated[0] = SettingsDoc.migrateLegacy(tx));
            assertThat(migrated[0]).isFalse();
            assertThat(doc.getHeads()).hasSize(1);
        }
    }

    @Nested
    class ApplyingEdits {
        private final SettingsEdits.Section noSection = null;

        private boolean apply(Document doc, SettingsEdits edits) {
            boolean[] changed = new boolean[1];
            edit(doc, tx -> changed[0] = SettingsDoc.applyEdits(tx, edits));
            return changed[0];
        }

        @Test
        void detectsADifferenceAndAppliesIt() {
            Document doc = fresh();
            assertThat(apply(doc, new SettingsEdits("dark", null, null, noSection, noSection))).isTrue();
            assertThat(SettingsDoc.snapshot(doc).theme()).isEqualTo(Theme.DARK);
        }

        @Test
        void reportsNoChangeWhenTheValuesMatchAndWritesNothing() {
            Document doc = fresh();
            SettingsEdits same = new SettingsEdits("system", "python", "uv",
                    new SettingsEdits.Section(List.of(), Map.of()), new SettingsEdits.Section(List.of(), Map.of()));
            assertThat(apply(doc, same)).isFalse();
            assertThat(doc.getHeads()).as("no change was recorded").hasSize(1);
        }

        @Test
        void neverResetsAbsentKeys() {
            Document doc = fresh();
            edit(doc, tx -> {
                SettingsDoc.put(tx, "theme", "dark");
                SettingsDoc.putList(tx, "uv.default_packages", List.of("numpy"));
            });
            assertThat(apply(doc, new SettingsEdits(null, "deno", null,
                    new SettingsEdits.Section(null, Map.of()), noSection))).isTrue();
            SyncedSettings s = SettingsDoc.snapshot(doc);
            assertThat(s.theme()).isEqualTo(Theme.DARK);
            assertThat(s.defaultRuntime()).isEqualTo(NotebookRuntime.DENO);
            assertThat(s.uv().defaultPackages()).containsExactly("numpy");
        }

        @Test
        void appliesNestedPackageListsAndSectionStrings() {
            Document doc = fresh();
            assertThat(apply(doc, new SettingsEdits(null, null, null,
                    new SettingsEdits.Section(List.of("numpy", "pandas"), Map.of("python", "/usr/bin/python3")),
                    new SettingsEdits.Section(List.of("scipy"), Map.of())))).isTrue();
            assertThat(SettingsDoc.getList(doc, "uv.default_packages")).contains(List.of("numpy", "pandas"));
            assertThat(SettingsDoc.get(doc, "uv.python")).contains("/usr/bin/python3");
            assertThat(SettingsDoc.getList(doc, "conda.default_packages")).contains(List.of("scipy"));
        }

        @Test
        void reportsNoChangeForAnIdenticalList() {
            Document doc = fresh();
            edit(doc, tx -> SettingsDoc.putList(tx, "uv.default_packages", List.of("numpy")));
            assertThat(apply(doc, new SettingsEdits(null, null, null,
                    new SettingsEdits.Section(List.of("numpy"), Map.of()), noSection))).isFalse();
        }

        @Test
        void storesScalarsVerbatimWithoutValidation() {
            Document doc = fresh();
            apply(doc, new SettingsEdits("blue", null, null, noSection, noSection));
            assertThat(SettingsDoc.get(doc, "theme")).contains("blue");
            assertThat(SettingsDoc.snapshot(doc).theme()).isEqualTo(Theme.SYSTEM);
        }
    }

    @Nested
    class SavingAndSyncing {
        @Test
        void saveAndLoadKeepEverything() {
            Document doc = fresh();
            edit(doc, tx -> {
                SettingsDoc.put(tx, "theme", "dark");
                SettingsDoc.putList(tx, "uv.default_packages", List.of("numpy", "pandas"));
                SettingsDoc.putList(tx, "conda.default_packages", List.of("scipy"));
            });
            SyncedSettings loaded = SettingsDoc.snapshot(replicas.track(reload(doc)));
            assertThat(loaded.theme()).isEqualTo(Theme.DARK);
            assertThat(loaded.defaultRuntime()).isEqualTo(NotebookRuntime.PYTHON);
            assertThat(loaded.uv().defaultPackages()).containsExactly("numpy", "pandas");
            assertThat(loaded.conda().defaultPackages()).containsExactly("scipy");
        }

        @Test
        void theServerDocumentSyncsIntoAnEmptyClientDocument() {
            Document server = fresh();
            edit(server, tx -> {
                SettingsDoc.put(tx, "theme", "dark");
                SettingsDoc.put(tx, "default_runtime", "deno");
                SettingsDoc.putList(tx, "uv.default_packages", List.of("numpy"));
            });
            Document client = replicas.empty();
            replicas.sync(server, client);
            assertThat(SettingsDoc.snapshot(client)).isEqualTo(SettingsDoc.snapshot(server));
            assertThat(SettingsDoc.snapshot(client).uv().defaultPackages()).containsExactly("numpy");
        }

        @Test
        void concurrentEditsOfDifferentKeysMergeOnBothSides() {
            Document a = fresh();
            Document b = replicas.empty();
            replicas.sync(a, b);
            edit(a, tx -> SettingsDoc.put(tx, "theme", "dark"));
            edit(b, tx -> SettingsDoc.putList(tx, "conda.default_packages", List.of("scipy")));
            replicas.sync(a, b);
            for (Document d : List.of(a, b)) {
                SyncedSettings s = SettingsDoc.snapshot(d);
                assertThat(s.theme()).isEqualTo(Theme.DARK);
                assertThat(s.conda().defaultPackages()).containsExactly("scipy");
            }
        }
    }

    private static Document reload(Document doc) {
        try {
            return NativeHandles.load(doc.save());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
