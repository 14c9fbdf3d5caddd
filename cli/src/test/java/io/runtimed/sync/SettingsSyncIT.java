package io.runtimed.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.client.PoolClient;
import io.runtimed.client.SettingsClient;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.Json;
import io.runtimed.sync.settings.SettingsDoc;
import io.runtimed.sync.settings.Theme;
import io.runtimed.testkit.Cli;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RawSyncPeer;
import io.runtimed.testkit.RuntHome;
import io.runtimed.testkit.SystemPackages;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.automerge.AmValue;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.Transaction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Settings sync through real runtimed processes (issue 5): our SettingsClient, a raw Automerge peer
 * that drives the wire protocol by hand, settings.json edited by hand, and the runt CLI.
 */
class SettingsSyncIT {
    private static final Duration WAIT = Duration.ofSeconds(15);

    private static Optional<String> str(Document doc, String key) {
        return doc.get(ObjectId.ROOT, key).filter(AmValue.Str.class::isInstance).map(v -> ((AmValue.Str) v).getValue());
    }

    /** The raw peer's view of a section's list, read with Automerge calls only. */
    private static List<String> list(Document doc, String section) {
        Optional<AmValue> map = doc.get(ObjectId.ROOT, section);
        if (map.isEmpty() || !(map.get() instanceof AmValue.Map m)) {
            return List.of();
        }
        Optional<AmValue> l = doc.get(m.getId(), "default_packages");
        if (l.isEmpty() || !(l.get() instanceof AmValue.List list)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (AmValue v : doc.listItems(list.getId()).orElseThrow()) {
            out.add(((AmValue.Str) v).getValue());
        }
        return out;
    }

    /** The raw peer replaces a section's list in its own transaction, as a JS window would. */
    private static void putList(Transaction tx, String section, List<String> items) {
        ObjectId map = ((AmValue.Map) tx.get(ObjectId.ROOT, section).orElseThrow()).getId();
        tx.delete(map, "default_packages");
        ObjectId list = tx.set(map, "default_packages", ObjectType.LIST);
        for (int i = 0; i < items.size(); i++) {
            tx.insert(list, i, items.get(i));
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithOneDaemon {
        RuntHome home;
        DaemonProcess daemon;

        @BeforeAll
        void start(@TempDir Path dir) {
            home = RuntHome.in(dir);
            daemon = DaemonProcess.start(home);
        }

        @AfterAll
        void stop() {
            daemon.close();
            home.close();
        }

        @Test
        void ourClientAndARawAutomergePeerSeeEachOthersChanges() throws Exception {
            try (SettingsClient client = SettingsClient.connect(daemon.socket());
                 RawSyncPeer raw = RawSyncPeer.connectSettings(daemon.socket(), "raw")) {
                assertThat(raw.await(d -> str(d, "theme").isPresent(), WAIT)).as("the daemon's document arrived").isTrue();

                client.set("theme", "dark");
                assertThat(raw.await(d -> str(d, "theme").equals(Optional.of("dark")), WAIT)).isTrue();

                raw.change(tx -> putList(tx, "uv", List.of("numpy", "pandas")));
                assertThat(client.waitFor(s -> s.uv().defaultPackages().equals(List.of("numpy", "pandas")), WAIT))
                        .isPresent();
            }
        }

        @Test
        void concurrentChangesToDifferentKeysBothSurvive() throws Exception {
            try (SettingsClient client = SettingsClient.connect(daemon.socket());
                 RawSyncPeer raw = RawSyncPeer.connectSettings(daemon.socket(), "raw")) {
                assertThat(raw.await(d -> str(d, "default_python_env").isPresent(), WAIT)).isTrue();
                // neither waits for the other
                raw.change(tx -> tx.set(ObjectId.ROOT, "default_python_env", "conda"));
                client.set("conda.default_packages", List.of("scipy"));

                assertThat(client.waitFor(s -> s.defaultPythonEnv() == EnvType.CONDA
                        && s.conda().defaultPackages().equals(List.of("scipy")), WAIT)).isPresent();
                assertThat(raw.await(d -> str(d, "default_python_env").equals(Optional.of("conda"))
                        && list(d, "conda").equals(List.of("scipy")), WAIT)).isTrue();
            }
            try (SettingsClient fresh = SettingsClient.connect(daemon.socket())) {
                assertThat(fresh.getAll().defaultPythonEnv()).isEqualTo(EnvType.CONDA);
                assertThat(fresh.getAll().conda().defaultPackages()).containsExactly("scipy");
            }
        }

        @Test
        void aHandEditOfSettingsJsonReachesAConnectedPeer() throws Exception {
            try (SettingsClient client = SettingsClient.connect(daemon.socket());
                 RawSyncPeer raw = RawSyncPeer.connectSettings(daemon.socket(), "raw")) {
                client.set("default_runtime", "python");
                client.set("uv.hand_edit_test", "before");
                assertThat(client.awaitSynced(WAIT)).isTrue();
                await().atMost(WAIT).until(() -> Files.readString(home.settingsJson()).contains("\"before\""));

                // an editor's save: a new file renamed over the mirror
                String edited = Files.readString(home.settingsJson())
                        .replace("\"default_runtime\": \"python\"", "\"default_runtime\": \"deno\"");
                Path swap = home.settingsJson().resolveSibling(".settings.json.swp");
                Files.writeString(swap, edited, StandardCharsets.UTF_8);
                Files.move(swap, home.settingsJson(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

                assertThat(raw.await(d -> str(d, "default_runtime").equals(Optional.of("deno")), WAIT)).isTrue();
                assertThat(client.waitFor(s -> s.defaultRuntime().value().equals("deno"), WAIT)).isPresent();
                assertThat(Files.readString(home.settingsJson())).as("the user's file is left as saved").isEqualTo(edited);
            }
        }

        @Test
        void anInvalidSettingsJsonChangesNothingAndLosesNothing() throws Exception {
            try (SettingsClient client = SettingsClient.connect(daemon.socket())) {
                client.set("uv.python", "/usr/bin/python3");
                assertThat(client.awaitSynced(WAIT)).isTrue();
                // the person edits the file as they see it: the mirror of the settings as they are
                // (it follows a change up to SettingsRoom.MIRROR_DELAY later; an edit of an older
                // mirror takes a value it shows for one the user did not change)
                await().atMost(WAIT).until(() -> Files.readString(home.settingsJson()).contains("/usr/bin/python3"));
                JsonNode before = client.getAllJson();
                String earlierLog = daemon.log();

                byte[] broken = "{\n  \"theme\": \"light\",\n  \"uv\": {\"default_packages\": \"numpy\"}\n}\n"
                        .getBytes(StandardCharsets.UTF_8);
                try {
                    Files.write(home.settingsJson(), broken);
                    // (the daemon may also catch the file half-written, empty: that is invalid too)
                    await().atMost(WAIT).until(() -> daemon.log().substring(earlierLog.length())
                            .contains("uv.default_packages must be an array of strings"));
                    assertThat(client.getAllJson()).as("the document is untouched").isEqualTo(before);

                    // a change from a window still syncs and persists, but does not overwrite the user's file
                    client.set("default_python_env", "uv");
                    client.set("uv.pip_index_url", "https://pypi.example/simple");
                    assertThat(client.awaitSynced(WAIT)).isTrue();
                    assertThat(Files.readAllBytes(home.settingsJson())).as("nothing lost").isEqualTo(broken);
                    try (SettingsClient other = SettingsClient.connect(daemon.socket())) {
                        assertThat(other.get("uv.pip_index_url")).contains("https://pypi.example/simple");
                        assertThat(other.getAll().theme().value()).as("not the broken file's theme")
                                .isEqualTo(before.get("theme").asText());
                    }
                } finally {
                    // repaired: the next change writes the mirror again
                    Files.writeString(home.settingsJson(), "{\"theme\": \"light\"}", StandardCharsets.UTF_8);
                }
                assertThat(client.waitFor(s -> s.theme() == Theme.LIGHT, WAIT)).isPresent();
                client.set("uv.pip_index_url", "");
                assertThat(client.awaitSynced(WAIT)).isTrue();
                await().atMost(WAIT).until(() -> Files.readString(home.settingsJson()).contains("\"$schema\""));
            }
        }

        @Test
        void aPeerThatSendsGarbageIsDroppedWhileAnotherKeepsSyncing() throws Exception {
            try (SettingsClient client = SettingsClient.connect(daemon.socket());
                 RawSyncPeer bad = RawSyncPeer.connectSettings(daemon.socket(), "bad")) {
                assertThat(bad.awaitFirstFrame(WAIT)).isNotNull();
                bad.sendRaw("not a sync message".getBytes(StandardCharsets.UTF_8));
                assertThat(bad.awaitDisconnect(WAIT)).as("the daemon dropped it").isTrue();

                client.set("uv.after_garbage", "still syncing");
                assertThat(client.awaitSynced(WAIT)).isTrue();
                try (RawSyncPeer good = RawSyncPeer.connectSettings(daemon.socket(), "good")) {
                    assertThat(good.await(d -> {
                        Optional<AmValue> uv = d.get(ObjectId.ROOT, "uv");
                        return uv.isPresent() && uv.get() instanceof AmValue.Map m && d.get(m.getId(), "after_garbage").isPresent();
                    }, WAIT)).isTrue();
                }
                await().atMost(WAIT).until(() -> daemon.log().contains("undecodable sync message"));
            }
        }

        @Test
        void nonAsciiValuesRoundTrip() throws Exception {
            String note = "héllo 🌍 世界 \uD83D\uDC4B\uD83C\uDFFD";
            try (SettingsClient client = SettingsClient.connect(daemon.socket());
                 RawSyncPeer raw = RawSyncPeer.connectSettings(daemon.socket(), "raw")) {
                assertThat(raw.await(d -> d.get(ObjectId.ROOT, "uv").isPresent(), WAIT)).isTrue();
                raw.change(tx -> putList(tx, "conda", List.of("数据科学", "🐍-tools")));
                assertThat(client.waitFor(s -> s.conda().defaultPackages().equals(List.of("数据科学", "🐍-tools")), WAIT))
                        .isPresent();
                client.set("uv.note", note);
                assertThat(raw.await(d -> {
                    AmValue.Map uv = (AmValue.Map) d.get(ObjectId.ROOT, "uv").orElseThrow();
                    return d.get(uv.getId(), "note").map(v -> ((AmValue.Str) v).getValue()).equals(Optional.of(note));
                }, WAIT)).isTrue();
                assertThat(client.awaitSynced(WAIT)).isTrue();
            }
            Cli.Result got = daemon.runt("settings", "get", "uv.note");
            assertThat(got.stdout()).isEqualTo(note + "\n");
            assertThat(Files.readString(home.settingsJson(), StandardCharsets.UTF_8)).contains(note, "数据科学");
        }

        @Test
        void theCliListsGetsSetsAndWatches() throws Exception {
            Cli.Result set = daemon.runt("settings", "set", "uv.default_packages", "[\"numpy\",\"pandas\"]");
            assertThat(set.exitCode()).as(set.stderr()).isZero();
            assertThat(set.stdout()).isEqualTo("uv.default_packages = numpy, pandas\n");

            Cli.Result get = daemon.runt("settings", "get", "uv.default_packages");
            assertThat(get.stdout()).isEqualTo("numpy\npandas\n");
            Cli.Result getJson = daemon.runt("settings", "get", "uv.default_packages", "--json");
            assertThat(Json.MAPPER.readTree(getJson.stdout()).toString()).isEqualTo("[\"numpy\",\"pandas\"]");

            Cli.Result list = daemon.runt("settings", "list", "--json");
            JsonNode all = Json.MAPPER.readTree(list.stdout());
            assertThat(all.at("/uv/default_packages").toString()).isEqualTo("[\"numpy\",\"pandas\"]");
            assertThat(all.has("theme")).isTrue();
            assertThat(daemon.runt("settings", "list").stdout()).containsPattern("(?m)^uv\\.default_packages\\s+numpy, pandas$");

            Cli.Result missing = daemon.runt("settings", "get", "no_such_key");
            assertThat(missing.exitCode()).isEqualTo(1);
            assertThat(missing.stderr()).isEqualTo("No setting named no_such_key\n");
            Cli.Result undotted = daemon.runt("settings", "set", "packages", "[\"x\"]");
            assertThat(undotted.exitCode()).isEqualTo(2);
            assertThat(undotted.stderr()).contains("list key must be dotted");

            Process watch = Cli.startRunt(home, "settings", "watch", "--json", "--count", "1");
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8))) {
                JsonNode first = Json.MAPPER.readTree(lines.readLine());
                assertThat(first.at("/uv/default_packages").size()).isEqualTo(2);
                assertThat(daemon.runt("settings", "set", "theme", "light").exitCode()).isZero();
                JsonNode second = Json.MAPPER.readTree(lines.readLine());
                assertThat(second.get("theme").asText()).isEqualTo("light");
                assertThat(watch.waitFor(15, TimeUnit.SECONDS)).isTrue();
                assertThat(watch.exitValue()).isZero();
            } finally {
                watch.destroyForcibly();
            }
        }
    }

    @Test
    void aChangeSurvivesARestart(@TempDir Path dir) throws Exception {
        try (RuntHome home = RuntHome.in(dir); DaemonProcess first = DaemonProcess.start(home)) {
            assertThat(first.runt("settings", "set", "theme", "dark").exitCode()).isZero();
            assertThat(first.runt("settings", "set", "conda.default_packages", "[\"scipy\"]").exitCode()).isZero();
            assertThat(first.stop()).isZero();
            try (DaemonProcess again = first.startAgain();
                 SettingsClient client = SettingsClient.connect(again.socket())) {
                assertThat(client.getAll().theme()).isEqualTo(Theme.DARK);
                assertThat(client.getAll().conda().defaultPackages()).containsExactly("scipy");
            }
            assertThat(home.settingsSchema()).exists();
        }
    }

    @Test
    void legacyFlatKeysAreMigratedIntoTheNestedLists(@TempDir Path dir) throws Exception {
        RuntHome home = RuntHome.in(dir);
        // a settings.automerge from before the nesting: comma strings at the ROOT
        Document old = SettingsDoc.createDefault();
        try (Transaction tx = old.startTransaction()) {
            tx.set(ObjectId.ROOT, "default_uv_packages", "numpy, pandas, matplotlib");
            tx.set(ObjectId.ROOT, "default_conda_packages", "scipy");
            tx.commit();
            Files.createDirectories(home.runtDir());
            Files.write(home.settingsDoc(), old.save());
        } finally {
            NativeHandles.free(old);
        }
        try (home; DaemonProcess daemon = DaemonProcess.start(home);
             RawSyncPeer raw = RawSyncPeer.connectSettings(daemon.socket(), "raw")) {
            assertThat(raw.await(d -> list(d, "uv").equals(List.of("numpy", "pandas", "matplotlib"))
                    && list(d, "conda").equals(List.of("scipy")), WAIT)).isTrue();
            List<String> keys = raw.read(d -> List.of(d.keys(ObjectId.ROOT).orElseThrow()));
            assertThat(keys).doesNotContain("default_uv_packages", "default_conda_packages");
        }
    }

    @Test
    void withoutADaemonTheCliSaysSoInOneLine(@TempDir Path dir) {
        RuntHome home = RuntHome.in(dir);
        for (String[] args : List.of(new String[] {"settings", "list"}, new String[] {"settings", "set", "theme", "dark"})) {
            Cli.Result r = Cli.runt(home, args);
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.stdout()).isEmpty();
            assertThat(r.stderr()).startsWith("Daemon not running: ").endsWith("\n").hasLineCount(1);
        }
    }

    @Test
    void poolsBuildWithThePackagesSetThroughTheClient(@TempDir Path dir) throws Exception {
        SystemPackages.requireIpykernelAndIpywidgets();
        // a stand-in uv on PATH: records its arguments, builds a real venv from Debian's python3
        Path bin = Files.createDirectories(dir.resolve("tools"));
        Path record = dir.resolve("uv-calls.txt");
        Path uv = bin.resolve("uv");
        Files.writeString(uv, """
                #!/bin/sh
                echo "$*" >> '%s'
                case "$1" in
                  --version) echo "uv 0.0.0 (stand-in)";;
                  venv) for a; do dir="$a"; done; exec /usr/bin/python3 -m venv --without-pip --system-site-packages "$dir";;
                  pip) exit 0;;
                  *) exit 3;;
                esac
                """.formatted(record));
        uv.toFile().setExecutable(true);
        String path = bin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        try (RuntHome home = RuntHome.in(dir);
             DaemonProcess daemon = DaemonProcess.in(home).env("PATH", path).uvPoolSize(1).buildEnvironments().start()) {
            PoolClient pool = new PoolClient(daemon.socket());
            await().atMost(Duration.ofSeconds(60)).until(() -> pool.status().uvAvailable() == 1);

            try (SettingsClient client = SettingsClient.connect(daemon.socket())) {
                client.set("uv.default_packages", List.of("numpy", "pandas"));
                assertThat(client.awaitSynced(WAIT)).isTrue();
            }
            pool.flush();
            await().atMost(Duration.ofSeconds(60)).until(() -> pool.status().uvAvailable() == 1
                    && pipInstalls(record).size() == 2);
            assertThat(pipInstalls(record).get(0)).endsWith("ipykernel ipywidgets");
            assertThat(pipInstalls(record).get(1)).endsWith("ipykernel ipywidgets numpy pandas");
        }
    }

    private static List<String> pipInstalls(Path record) throws Exception {
        return Files.readAllLines(record).stream().filter(l -> l.startsWith("pip install")).toList();
    }
}
