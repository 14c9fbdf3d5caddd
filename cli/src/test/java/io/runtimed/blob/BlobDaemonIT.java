package io.runtimed.blob;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.client.BlobClient;
import io.runtimed.protocol.Json;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.notebook.NotebookDoc;
import io.runtimed.testkit.Cli;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RuntHome;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.automerge.Document;
import org.automerge.Transaction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The blob store through a real {@code runtimed} process and the {@code runtimed blobs gc} command. */
class BlobDaemonIT {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path tmp;

    RuntHome home;

    @BeforeEach
    void setUp() {
        home = RuntHome.in(tmp);
    }

    @AfterEach
    void tearDown() {
        home.close();
    }

    private Path blobDir() {
        return home.runtDir().resolve("blobs");
    }

    static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Nested
    class Daemon {
        @Test
        void aBlobStoredOverTheSocketIsServedAtTheAdvertisedPort() throws Exception {
            // a temp file left by an interrupted write before this start
            Path shard = blobDir().resolve("ab");
            Files.createDirectories(shard);
            Files.writeString(shard.resolve(".tmp.0e1c2b3a-0000-4000-8000-000000000000"), "half");
            try (DaemonProcess daemon = DaemonProcess.start(home)) {
                assertThat(shard.resolve(".tmp.0e1c2b3a-0000-4000-8000-000000000000")).as("removed at start").doesNotExist();
                JsonNode info = Json.MAPPER.readTree(Files.readString(home.infoFile()));
                int port = info.get("blob_port").intValue();
                BlobClient client = new BlobClient(daemon.socket());
                assertThat(client.port()).hasValue(port);

                String hash = client.store("<p>output</p>".getBytes(StandardCharsets.UTF_8), "text/html");
                HttpResponse<String> r = get(client.url(hash));
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("<p>output</p>");
                assertThat(r.headers().firstValue("Content-Type")).contains("text/html");
                assertThat(r.headers().firstValue("Cache-Control")).contains("public, max-age=31536000, immutable");
                assertThat(get("http://127.0.0.1:" + port + "/health").body()).isEqualTo("OK");
                assertThat(get("http://127.0.0.1:" + port + "/blob/" + "a".repeat(64)).statusCode()).isEqualTo(404);
                assertThat(blobDir().resolve(hash.substring(0, 2)).resolve(hash.substring(2))).exists();

                // the default directory is the daemon's: gc sees the blob there
                Cli.Result dry = Cli.runtimed(home, "blobs", "gc", "--max-age-days", "0", "--dry-run");
                assertThat(dry.exitCode()).as(dry.stderr()).isZero();
                assertThat(dry.stdout()).startsWith("Would delete 1 blob, freeing 13 B (13 bytes); 0 blobs (0 B) kept in ")
                        .contains("Referenced by 0 notebook documents in " + home.notebookDocsDir() + ": 0 blobs (0 B), kept; "
                                + "unreferenced: 1 would be deleted, 0 (0 B) kept\n");

                assertThat(daemon.stop()).isZero();
            }
            assertThat(home.infoFile()).doesNotExist();
        }
    }

    @Nested
    class Gc {
        BlobStore storeWithOneOldBlob(Path dir) throws Exception {
            BlobStore store = new BlobStore(dir);
            String old = store.put(new byte[100], "a");
            store.put(new byte[200], "a");
            store.put(new byte[300], "a");
            FileTime longAgo = FileTime.from(Instant.now().minus(Duration.ofDays(45)));
            Files.getFileAttributeView(store.dataPath(old), BasicFileAttributeView.class).setTimes(longAgo, longAgo, null);
            return store;
        }

        @Test
        void deletesBlobsUnusedForLongerThanTheAgeAndSaysWhatItFreed() throws Exception {
            Path dir = tmp.resolve("store");
            BlobStore store = storeWithOneOldBlob(dir);
            Cli.Result r = Cli.runtimed(home, "blobs", "gc", "--blob-store-dir", dir.toString());
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            assertThat(r.stdout()).isEqualTo("Deleted 1 blob, freed 100 B (100 bytes); 2 blobs (500 B) kept in " + dir + "\n"
                    + "Referenced by 0 notebook documents in " + home.notebookDocsDir() + ": 0 blobs (0 B), kept; "
                    + "unreferenced: 1 deleted, 2 (500 B) kept\n");
            assertThat(store.list()).hasSize(2);
        }

        @Test
        void theSizeCapRemovesTheLeastRecentlyUsedAndJsonReportsIt() throws Exception {
            Path dir = tmp.resolve("store");
            BlobStore store = storeWithOneOldBlob(dir);
            Cli.Result r = Cli.runtimed(home, "blobs", "gc", "--blob-store-dir", dir.toString(),
                    "--max-age-days", "365", "--max-total-size", "0.3K", "--json");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            JsonNode json = Json.MAPPER.readTree(r.stdout());
            assertThat(json.get("deleted_blobs").intValue()).isEqualTo(2);
            assertThat(json.get("kept_bytes").longValue()).isLessThanOrEqualTo(307);
            assertThat(store.list()).hasSize(1);
        }

        /** A notebook document whose output's manifest (KERNELS.md §8.2) names a content blob; both 45 days old. */
        List<String> referencedByANotebook(BlobStore store, Path docs) throws Exception {
            String content = store.put("p".repeat(300).getBytes(StandardCharsets.UTF_8), "image/png");
            String manifest = store.put(("{\"output_type\":\"display_data\",\"data\":{\"image/png\":{\"blob\":\"" + content
                    + "\",\"size\":300}}}").getBytes(StandardCharsets.UTF_8), "application/x-jupyter-output+json");
            FileTime longAgo = FileTime.from(Instant.now().minus(Duration.ofDays(45)));
            for (String hash : List.of(content, manifest)) {
                Files.getFileAttributeView(store.dataPath(hash), BasicFileAttributeView.class).setTimes(longAgo, longAgo, null);
            }
            Document doc = NotebookDoc.createFresh("nb");
            try {
                try (Transaction tx = doc.startTransaction()) {
                    NotebookDoc.addCell(tx, 0, "c1", "code", false);
                    NotebookDoc.appendOutput(tx, "c1", manifest);
                    tx.commit();
                }
                Files.createDirectories(docs);
                Files.write(docs.resolve("nb.automerge"), doc.save());
            } finally {
                NativeHandles.free(doc);
            }
            return List.of(content, manifest);
        }

        @Test
        void blobsANotebookOutputRefersToAreKeptWhateverTheirAgeAndBothCountsAreReported() throws Exception {
            Path dir = tmp.resolve("store");
            Path docs = tmp.resolve("docs");
            BlobStore store = storeWithOneOldBlob(dir);
            List<String> referenced = referencedByANotebook(store, docs);
            long referencedBytes = Files.size(store.dataPath(referenced.get(0))) + Files.size(store.dataPath(referenced.get(1)));
            long kept = referencedBytes + 500;

            Cli.Result dry = Cli.runtimed(home, "blobs", "gc", "--blob-store-dir", dir.toString(), "--notebook-docs-dir",
                    docs.toString(), "--dry-run");
            assertThat(dry.exitCode()).as(dry.stderr()).isZero();
            assertThat(dry.stdout()).isEqualTo("Would delete 1 blob, freeing 100 B (100 bytes); 4 blobs (" + kept + " B) kept in "
                    + dir + "\nReferenced by 1 notebook document in " + docs + ": 2 blobs (" + referencedBytes + " B), kept; "
                    + "unreferenced: 1 would be deleted, 2 (500 B) kept\n");
            assertThat(store.list()).hasSize(5);

            Cli.Result r = Cli.runtimed(home, "blobs", "gc", "--blob-store-dir", dir.toString(), "--notebook-docs-dir",
                    docs.toString(), "--max-total-size", "0", "--json");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            JsonNode json = Json.MAPPER.readTree(r.stdout());
            assertThat(json.get("deleted_blobs").intValue()).isEqualTo(3);
            assertThat(json.get("referenced_blobs").intValue()).isEqualTo(2);
            assertThat(json.get("referenced_bytes").longValue()).isEqualTo(referencedBytes);
            assertThat(json.get("unreferenced_kept_blobs").intValue()).isZero();
            assertThat(json.get("notebook_documents").intValue()).isEqualTo(1);
            assertThat(store.list()).containsExactlyInAnyOrderElementsOf(referenced);
        }

        @Test
        void anUnreadableNotebookDocumentMeansNothingIsDeletedUnlessToldToSkipIt() throws Exception {
            Path dir = tmp.resolve("store");
            Path docs = tmp.resolve("docs");
            BlobStore store = storeWithOneOldBlob(dir);
            Files.createDirectories(docs);
            Files.writeString(docs.resolve("bad.automerge"), "not automerge");

            Cli.Result refused = Cli.runtimed(home, "blobs", "gc", "--blob-store-dir", dir.toString(), "--notebook-docs-dir",
                    docs.toString());
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.stdout()).isEmpty();
            assertThat(refused.stderr()).contains("Error: notebook document " + docs.resolve("bad.automerge"))
                    .contains("nothing deleted").contains("--ignore-unreadable");
            assertThat(store.list()).hasSize(3);

            Cli.Result skipped = Cli.runtimed(home, "blobs", "gc", "--blob-store-dir", dir.toString(), "--notebook-docs-dir",
                    docs.toString(), "--ignore-unreadable");
            assertThat(skipped.exitCode()).as(skipped.stderr()).isZero();
            assertThat(skipped.stderr()).startsWith("Warning: skipped notebook document " + docs.resolve("bad.automerge"));
            assertThat(store.list()).hasSize(2);
            assertThat(docs.resolve("bad.automerge")).as("never renamed aside").hasContent("not automerge");
        }

        @Test
        void aBadSizeIsAUsageError() throws Exception {
            Cli.Result r = Cli.runtimed(home, "blobs", "gc", "--max-total-size", "lots");
            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.stderr()).isEqualTo("Error: --max-total-size: not a size: 'lots' (examples: 1048576, 500M, 2G)\n");
        }

        @Test
        void helpSaysWhichTimeCountsAsUse() throws Exception {
            Cli.Result r = Cli.runtimed(home, "blobs", "gc", "--help");
            assertThat(r.exitCode()).isZero();
            assertThat(r.stdout()).contains("last-access time").contains("last-modified").contains("--max-age-days")
                    .contains("--max-total-size").contains("--notebook-docs-dir").contains("--ignore-unreadable")
                    .contains("Never deletes a blob that an output of a notebook document");
        }
    }
}
