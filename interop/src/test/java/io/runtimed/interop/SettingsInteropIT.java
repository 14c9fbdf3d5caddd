package io.runtimed.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.Deadline;
import io.runtimed.testkit.JsPeer;
import io.runtimed.testkit.RuntHome;
import io.runtimed.testkit.SystemPackages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * settings_sync with JS windows while the user edits settings.json by hand (SETTINGS.md §6, §7):
 * everyone converges, the hand edit lands, and no window's acknowledged change is undone by the
 * file's older values.
 */
class SettingsInteropIT {
    private static final Duration JOIN = Duration.ofSeconds(10);
    private static final Duration CONVERGE = Duration.ofSeconds(20);
    /** How long the windows keep editing, at most, waiting for the hand edit to reach them. */
    private static final Duration EDIT_LANDS = Duration.ofSeconds(20);

    @TempDir
    Path tmp;
    RuntHome home;
    DaemonProcess daemon;

    @BeforeAll
    static void needsNodeAndNpm() {
        SystemPackages.requireNodeAndNpm();
    }

    @BeforeEach
    void startDaemon() {
        home = RuntHome.in(tmp);
        daemon = DaemonProcess.start(home);
    }

    @AfterEach
    void stopDaemon() {
        daemon.close();
        home.close();
    }

    @Test
    void twoJsPeersAndAHandEditOfSettingsJsonConvergeWithoutLosingAcknowledgedChanges() throws Exception {
        Path settingsJson = home.config().resolve("runt-notebook/settings.json");
        try (JsPeer a = JsPeer.start("settings-a", tmp); JsPeer b = JsPeer.start("settings-b", tmp)) {
            a.joinSettings(daemon.socket(), JOIN);
            b.joinSettings(daemon.socket(), JOIN);
            Deadline.await("the daemon did not write " + settingsJson, JOIN, () -> Files.exists(settingsJson),
                    () -> "");

            // Both windows edit in rounds, each change sent at once; after a few rounds the user
            // saves settings.json with one key changed, and the windows go on until it reaches them.
            List<String> aSent = new ArrayList<>();
            List<String> bSent = new ArrayList<>();
            String lastIndexUrl = null;
            List<String> lastPackages = null;
            boolean edited = false;
            long giveUp = System.nanoTime() + EDIT_LANDS.toNanos();
            int round = 0;
            while (true) {
                round++;
                List<CompletableFuture<?>> sent = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    int n = round * 10 + i;
                    lastIndexUrl = "https://a.example/simple/" + n;
                    lastPackages = IntStream.rangeClosed(0, n % 4).mapToObj(k -> "b-pkg-" + n + "-" + k).toList();
                    aSent.add("a" + n);
                    bSent.add("b" + n);
                    sent.add(a.set("uv.pip_index_url", lastIndexUrl, "a" + n));
                    sent.add(b.setList("conda.default_packages", lastPackages, "b" + n));
                }
                CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
                if (round == 3) {
                    // The user edits the file as it stands: once it shows the changes made so far
                    // (the mirror follows the peers asynchronously), never a copy read before it.
                    awaitMirrored(settingsJson, null, lastIndexUrl, lastPackages);
                    editByHand(settingsJson, "theme", "dark");
                    edited = true;
                }
                if (edited && "dark".equals(text(a.settings(), "theme")) && "dark".equals(text(b.settings(), "theme"))) {
                    break;
                }
                if (System.nanoTime() > giveUp) {
                    throw new AssertionError("the hand edit of settings.json (theme dark) never reached the windows"
                            + " within " + EDIT_LANDS.toSeconds() + " s; settings.json now:\n"
                            + Files.readString(settingsJson) + "\n" + a.describe() + "\n" + b.describe());
                }
            }

            JsPeer.awaitConverged("settings", CONVERGE, List.of(a, b));
            JsonNode settings = a.settings();
            assertThat(b.settings()).as("settings-b's replica").isEqualTo(settings);
            assertThat(a.acked()).as("settings-a's changes the daemon acknowledged").containsAll(aSent);
            assertThat(b.acked()).as("settings-b's changes the daemon acknowledged").containsAll(bSent);
            assertThat(text(settings, "theme")).as("the key edited by hand").isEqualTo("dark");
            assertThat(settings.get("uv").get("pip_index_url").asText())
                    .as("uv.pip_index_url: settings-a's last change (acknowledged) after the hand edit of theme")
                    .isEqualTo(lastIndexUrl);
            assertThat(strings(settings.get("conda").get("default_packages")))
                    .as("conda.default_packages: settings-b's last change (acknowledged) after the hand edit of theme")
                    .isEqualTo(lastPackages);

            awaitMirrored(settingsJson, "dark", lastIndexUrl, lastPackages);
        }
    }

    /** Waits until settings.json holds these values ({@code theme} null: whatever it holds). */
    private static void awaitMirrored(Path settingsJson, String theme, String indexUrl, List<String> packages) {
        Deadline.await("settings.json did not come to mirror the document", CONVERGE, () -> {
            JsonNode file = readJson(settingsJson);
            return file != null && (theme == null || theme.equals(text(file, "theme")))
                    && indexUrl.equals(file.path("uv").path("pip_index_url").asText())
                    && packages.equals(strings(file.path("conda").path("default_packages")));
        }, () -> "settings.json:\n" + readQuietly(settingsJson) + "\nwanted theme " + theme + ", " + indexUrl + " and " + packages);
    }

    /**
     * What a user does in an editor: change one key of the file as it is now, and save it as
     * editors do, by writing a new file and moving it over the old one.
     */
    private static void editByHand(Path settingsJson, String key, String value) throws IOException {
        ObjectNode json = (ObjectNode) Json.MAPPER.readTree(Files.readString(settingsJson, StandardCharsets.UTF_8));
        json.put(key, value);
        Path saved = settingsJson.resolveSibling(settingsJson.getFileName() + ".saving");
        Files.writeString(saved, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n",
                StandardCharsets.UTF_8);
        Files.move(saved, settingsJson, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String text(JsonNode settings, String key) {
        JsonNode v = settings.get(key);
        return v == null ? null : v.asText();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(e -> out.add(e.asText()));
        return out;
    }

    /** The file as JSON, or null while it is being rewritten. */
    private static JsonNode readJson(Path file) {
        try {
            return Json.MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null;
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
