package io.runtimed.sync.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.Json;
import io.runtimed.sync.Replicas;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.automerge.Document;
import org.automerge.Transaction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SETTINGS.md §2 (JSON form), §6 (mirror and schema file) and §7 (reading hand edits). */
class SettingsJsonTest {
    private final Replicas replicas = new Replicas();

    @AfterEach
    void free() {
        replicas.close();
    }

    private static SettingsEdits parse(String json) throws InvalidSettingsFileException {
        return SettingsJson.parseEdits(json.getBytes(StandardCharsets.UTF_8));
    }

    @Nested
    class TheMirror {
        @Test
        void isTheSpecsExampleTextForTheSpecsExampleSettings() {
            Document doc = replicas.track(SettingsDoc.createDefault());
            try (Transaction tx = doc.startTransaction()) {
                SettingsDoc.put(tx, "theme", "dark");
                SettingsDoc.putList(tx, "uv.default_packages", List.of("numpy", "pandas"));
                tx.commit();
            }
            assertThat(SettingsJson.mirror(doc)).isEqualTo("""
                    {
                      "theme": "dark",
                      "default_runtime": "python",
                      "default_python_env": "uv",
                      "uv": {
                        "default_packages": [
                          "numpy",
                          "pandas"
                        ]
                      },
                      "conda": {
                        "default_packages": []
                      },
                      "$schema": "./settings.schema.json"
                    }
                    """);
        }

        @Test
        void writesNormalisedValuesAndKeepsSectionStringSettings() {
            Document doc = replicas.track(SettingsDoc.createDefault());
            try (Transaction tx = doc.startTransaction()) {
                SettingsDoc.put(tx, "theme", "blue");
                SettingsDoc.put(tx, "default_runtime", "TS");
                SettingsDoc.put(tx, "uv.python", "/usr/bin/python3");
                tx.commit();
            }
            JsonNode mirror = Json.MAPPER.valueToTree(SettingsJson.tree(doc));
            assertThat(mirror.get("theme").asText()).isEqualTo("system");
            assertThat(mirror.get("default_runtime").asText()).isEqualTo("deno");
            assertThat(mirror.at("/uv/python").asText()).isEqualTo("/usr/bin/python3");
        }

        @Test
        void isTheSnapshotRecordsOwnJsonForm() {
            SyncedSettings s = new SyncedSettings(Theme.DARK, NotebookRuntime.DENO, EnvType.CONDA,
                    new SyncedSettings.PackageSection(List.of("numpy", "数据")), SyncedSettings.PackageSection.EMPTY);
            assertThat(SettingsJson.tree(s, Map.of(), Map.of())).isEqualTo(Json.MAPPER.valueToTree(s));
        }

        @Test
        void ofAnEmptyDocumentIsTheDefaultSnapshot() throws Exception {
            JsonNode mirror = Json.MAPPER.readTree(SettingsJson.mirror(replicas.empty()));
            assertThat(Json.MAPPER.treeToValue(mirror, SyncedSettings.class)).isEqualTo(SyncedSettings.DEFAULTS);
            assertThat(mirror.get("$schema").asText()).isEqualTo("./settings.schema.json");
        }
    }

    @Nested
    class TheSnapshotJson {
        @Test
        void serialisesExactlyAsTheSpecShowsIt() {
            assertThat(new String(Json.compact(SyncedSettings.DEFAULTS), StandardCharsets.UTF_8)).isEqualTo(
                    "{\"theme\":\"system\",\"default_runtime\":\"python\",\"default_python_env\":\"uv\","
                            + "\"uv\":{\"default_packages\":[]},\"conda\":{\"default_packages\":[]}}");
        }

        @Test
        void deserialisesASettingsFileWithSchemaKeyAndEnumValues() throws Exception {
            SyncedSettings s = Json.MAPPER.readValue("""
                    {"$schema":"./settings.schema.json","theme":"dark","default_runtime":"deno",
                     "default_python_env":"conda","uv":{"default_packages":["numpy"]},"conda":{"default_packages":[]}}
                    """, SyncedSettings.class);
            assertThat(s.theme()).isEqualTo(Theme.DARK);
            assertThat(s.defaultRuntime()).isEqualTo(NotebookRuntime.DENO);
            assertThat(s.defaultPythonEnv()).isEqualTo(EnvType.CONDA);
            assertThat(s.uv().defaultPackages()).containsExactly("numpy");
        }

        @Test
        void defaultsEveryMissingTopLevelKey() throws Exception {
            assertThat(Json.MAPPER.readValue("{}", SyncedSettings.class)).isEqualTo(SyncedSettings.DEFAULTS);
        }

        @Test
        void requiresDefaultPackagesInsideASectionAndExactLowercaseEnums() {
            assertThatThrownBy(() -> Json.MAPPER.readValue("{\"uv\":{}}", SyncedSettings.class))
                    .hasMessageContaining("default_packages");
            assertThatThrownBy(() -> Json.MAPPER.readValue("{\"theme\":\"Dark\"}", SyncedSettings.class))
                    .hasMessageContaining("Dark");
        }
    }

    @Nested
    class HandEdits {
        @Test
        void ignoreSchemaAndUnknownKeysAndReadTheKnownOnes() throws Exception {
            SettingsEdits e = parse("""
                    {"$schema":"./settings.schema.json","theme":"dark","future":{"x":1},
                     "uv":{"default_packages":["numpy"],"python":"/usr/bin/python3","system_site_packages":true,"n":3}}
                    """);
            assertThat(e.theme()).isEqualTo("dark");
            assertThat(e.defaultRuntime()).isNull();
            assertThat(e.uv().defaultPackages()).containsExactly("numpy");
            assertThat(e.uv().otherStrings()).isEqualTo(Map.of("python", "/usr/bin/python3", "system_site_packages", "true"));
            assertThat(e.conda()).isNull();
        }

        @Test
        void leaveAListAloneWhenTheSectionDoesNotNameIt() throws Exception {
            assertThat(parse("{\"conda\":{}}").conda().defaultPackages()).isNull();
        }

        @ParameterizedTest(name = "[{index}] {0}")
        @ValueSource(strings = {
                "{\"theme\": \"dark\",", // half-written
                "",
                "[1, 2]",
                "{\"theme\": 3}",
                "{\"default_runtime\": null}",
                "{\"uv\": \"numpy\"}",
                "{\"uv\": {\"default_packages\": \"numpy\"}}",
                "{\"conda\": {\"default_packages\": [\"scipy\", 1]}}",
                "{\"theme\": \"dark\"} trailing"})
        void refuseTextThatIsNotJsonOrHasWrongTypes(String text) {
            assertThatThrownBy(() -> parse(text)).isInstanceOf(InvalidSettingsFileException.class);
        }

        @Test
        void canBeNarrowedToWhatChangedSinceAnEarlierReading() throws Exception {
            SettingsEdits before = parse("{\"theme\":\"light\",\"default_runtime\":\"python\","
                    + "\"uv\":{\"default_packages\":[\"numpy\"],\"python\":\"/a\"},\"conda\":{\"default_packages\":[]}}");
            SettingsEdits after = parse("{\"theme\":\"light\",\"default_runtime\":\"deno\","
                    + "\"uv\":{\"default_packages\":[\"numpy\"],\"python\":\"/b\"},\"conda\":{\"default_packages\":[\"r\"]}}");
            SettingsEdits changed = after.changedSince(before);
            assertThat(changed.theme()).isNull();
            assertThat(changed.defaultRuntime()).isEqualTo("deno");
            assertThat(changed.uv().defaultPackages()).isNull();
            assertThat(changed.uv().otherStrings()).isEqualTo(Map.of("python", "/b"));
            assertThat(changed.conda().defaultPackages()).containsExactly("r");
        }

        @Test
        void nameTheKeyWhoseTypeIsWrong() {
            assertThatThrownBy(() -> parse("{\"uv\": {\"default_packages\": \"numpy\"}}"))
                    .hasMessage("uv.default_packages must be an array of strings, not a string");
        }
    }

    @Nested
    class TheSchemaFile {
        @Test
        void isAJsonObjectNamingEveryPropertyAndEnumValue() throws Exception {
            String text = SettingsSchema.text();
            assertThat(text).endsWith("}\n");
            JsonNode schema = Json.MAPPER.readTree(text);
            assertThat(schema.isObject()).isTrue();
            assertThat(schema.get("title").asText()).isEqualTo("SyncedSettings");
            assertThat(text).contains("theme", "default_runtime", "default_python_env", "python", "deno", "uv", "conda");
            assertThat(schema.at("/properties/theme/enum").toString()).isEqualTo("[\"system\",\"light\",\"dark\"]");
            assertThat(schema.at("/$defs/UvSettings/required").toString()).isEqualTo("[\"default_packages\"]");
        }
    }

    /** TESTS.md, Misc: "Runtime enum: display, parse aliases (py, typescript, ts), default python, lowercase JSON". */
    @Nested
    class TheRuntimeEnum {
        @Test
        void displaysParsesAliasesAndSerialisesLowercase() {
            assertThat(NotebookRuntime.DENO).hasToString("deno");
            assertThat(NotebookRuntime.parse("py")).contains(NotebookRuntime.PYTHON);
            assertThat(NotebookRuntime.parse("typescript")).contains(NotebookRuntime.DENO);
            assertThat(NotebookRuntime.parse("ts")).contains(NotebookRuntime.DENO);
            assertThat(NotebookRuntime.parse("ruby")).isEmpty();
            assertThat(new String(Json.compact(NotebookRuntime.PYTHON), StandardCharsets.UTF_8)).isEqualTo("\"python\"");
        }

        @Test
        void displaysEveryValueInLowercase() {
            assertThat(NotebookRuntime.PYTHON).hasToString("python");
            assertThat(NotebookRuntime.PYTHON.value()).isEqualTo("python");
            assertThat(NotebookRuntime.DENO.value()).isEqualTo("deno");
            assertThat(new String(Json.compact(List.of(NotebookRuntime.PYTHON, NotebookRuntime.DENO)), StandardCharsets.UTF_8))
                    .isEqualTo("[\"python\",\"deno\"]");
        }

        @ParameterizedTest(name = "\"{0}\"")
        @ValueSource(strings = {"python", "PYTHON", "Py", "py", "deno", "DENO", "TypeScript", "typescript", "Ts", "ts"})
        void parsesTheAliasesInAnyCase(String text) {
            NotebookRuntime expected = text.toLowerCase().startsWith("p") ? NotebookRuntime.PYTHON : NotebookRuntime.DENO;
            assertThat(NotebookRuntime.parse(text)).contains(expected);
            assertThat(NotebookRuntime.fromSetting(text)).isEqualTo(expected);
        }

        @Test
        void anAbsentOrUnknownSettingIsPython() {
            assertThat(NotebookRuntime.fromSetting(null)).isEqualTo(NotebookRuntime.PYTHON);
            assertThat(NotebookRuntime.fromSetting("")).isEqualTo(NotebookRuntime.PYTHON);
            assertThat(NotebookRuntime.fromSetting("ruby")).isEqualTo(NotebookRuntime.PYTHON);
            assertThat(SyncedSettings.DEFAULTS.defaultRuntime()).isEqualTo(NotebookRuntime.PYTHON);
        }

        @Test
        void readsItsLowercaseJsonBack() throws Exception {
            assertThat(Json.MAPPER.readValue("\"deno\"", NotebookRuntime.class)).isEqualTo(NotebookRuntime.DENO);
            assertThat(Json.MAPPER.readValue("\"python\"", NotebookRuntime.class)).isEqualTo(NotebookRuntime.PYTHON);
        }

        @ParameterizedTest(name = "\"{0}\"")
        @ValueSource(strings = {"Deno", "ts", "PYTHON", "ruby"})
        void refusesAnythingButTheLowercaseNameInSettingsJson(String text) {
            // SETTINGS.md §2: "When parsing this JSON: ... enum strings are lowercase exact"
            assertThatThrownBy(() -> Json.MAPPER.readValue("{\"default_runtime\":\"" + text + "\"}", SyncedSettings.class))
                    .hasMessageContaining(text);
        }
    }
}
