package io.runtimed.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runtimed.outputs.OutputReferences;
import io.runtimed.outputs.ReachableBlobGc;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.notebook.NotebookDoc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.Transaction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The blob gc with the persisted notebooks' references ({@link ReachableBlobGc}, KERNELS.md §8): real blob stores, real
 * Automerge document files as the daemon writes them (a save, then appended change chunks).
 */
class BlobGcReachabilityTest {
    static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
    static final Duration MONTH = Duration.ofDays(30);
    /** KERNELS.md §8.2: the media type of manifest blobs. */
    static final String MANIFEST = "application/x-jupyter-output+json";

    @TempDir
    Path tmp;
    Path docs;
    BlobStore store;

    /** A display_data manifest (in the saved document) and its image blob. */
    String displayManifest;
    String image;
    /** A stream manifest (in a change chunk appended after the save, written in uppercase) and its text blob. */
    String streamManifest;
    String streamText;
    /** An error manifest (in a second document, followed by a torn append) and its traceback blob. */
    String errorManifest;
    String traceback;
    /** Old and young blobs nothing refers to. */
    String oldUnreferenced;
    String youngUnreferenced;

    @BeforeEach
    void storeAndNotebooks() throws Exception {
        docs = tmp.resolve("notebook-docs");
        Files.createDirectories(docs);
        store = new BlobStore(tmp.resolve("blobs"));
        image = store.put("i".repeat(9000).getBytes(StandardCharsets.UTF_8), "image/png");
        displayManifest = manifest("{\"output_type\":\"display_data\",\"data\":{\"image/png\":{\"blob\":\"" + image
                + "\",\"size\":9000},\"text/plain\":{\"inline\":\"<Figure>\"}}}");
        streamText = store.put("s".repeat(10000).getBytes(StandardCharsets.UTF_8), "text/plain");
        streamManifest = manifest("{\"output_type\":\"stream\",\"name\":\"stdout\",\"text\":{\"blob\":\"" + streamText
                + "\",\"size\":10000}}");
        traceback = store.put(("[\"" + "t".repeat(9000) + "\"]").getBytes(StandardCharsets.UTF_8), "application/json");
        errorManifest = manifest("{\"output_type\":\"error\",\"ename\":\"E\",\"evalue\":\"v\",\"traceback\":{\"blob\":\""
                + traceback + "\",\"size\":9004}}");
        oldUnreferenced = store.put(new byte[100], "a");
        youngUnreferenced = store.put(new byte[200], "a");
        for (String hash : List.of(image, displayManifest, streamText, streamManifest, traceback, errorManifest, oldUnreferenced)) {
            usedAt(hash, NOW.minus(Duration.ofDays(40)));
        }
        usedAt(youngUnreferenced, NOW.minus(Duration.ofDays(1)));

        Document a = NotebookDoc.createFresh("a");
        try {
            edit(a, tx -> {
                NotebookDoc.addCell(tx, 0, "c1", "code", false);
                NotebookDoc.appendOutput(tx, "c1", displayManifest);
                // inline nbformat JSON (the legacy form): no blob
                NotebookDoc.appendOutput(tx, "c1", "{\"output_type\":\"stream\",\"name\":\"stdout\",\"text\":\"hi\"}");
            });
            Files.write(docs.resolve("a.automerge"), a.save());
            ChangeHash[] saved = a.getHeads();
            edit(a, tx -> NotebookDoc.appendOutput(tx, "c1", streamManifest.toUpperCase(Locale.ROOT)));
            Files.write(docs.resolve("a.automerge"), a.encodeChangesSince(saved), StandardOpenOption.APPEND);
        } finally {
            NativeHandles.free(a);
        }
        Document b = NotebookDoc.createFresh("b");
        try {
            edit(b, tx -> {
                NotebookDoc.addCell(tx, 0, "c1", "markdown", false);
                NotebookDoc.addCell(tx, 1, "c2", "code", false);
                NotebookDoc.appendOutput(tx, "c2", errorManifest);
            });
            Files.write(docs.resolve("b.automerge"), b.save());
            ChangeHash[] saved = b.getHeads();
            edit(b, tx -> NotebookDoc.appendOutput(tx, "c2", oldUnreferenced));
            byte[] change = b.encodeChangesSince(saved);
            // a crash in the middle of this append: the change never counted, nor does its reference
            Files.write(docs.resolve("b.automerge"), Arrays.copyOf(change, change.length / 2), StandardOpenOption.APPEND);
        } finally {
            NativeHandles.free(b);
        }
    }

    interface Edit {
        void apply(Transaction tx);
    }

    static void edit(Document doc, Edit edit) {
        try (Transaction tx = doc.startTransaction()) {
            edit.apply(tx);
            tx.commit();
        }
    }

    String manifest(String json) throws Exception {
        return store.put(json.getBytes(StandardCharsets.UTF_8), MANIFEST);
    }

    void usedAt(String hash, Instant when) throws Exception {
        Files.getFileAttributeView(store.dataPath(hash), BasicFileAttributeView.class)
                .setTimes(FileTime.from(when), FileTime.from(when), null);
    }

    ReachableBlobGc.Report collect(OptionalLong cap, boolean skipUnreadable) throws Exception {
        return new ReachableBlobGc(store, docs).collect(MONTH, cap, NOW, false, skipUnreadable);
    }

    List<String> referenced() {
        return List.of(image, displayManifest, streamText, streamManifest, traceback, errorManifest);
    }

    long size(String hash) throws Exception {
        return Files.size(store.dataPath(hash));
    }

    long referencedBytes() throws Exception {
        long total = 0;
        for (String hash : referenced()) {
            total += size(hash);
        }
        return total;
    }

    void assertReferencedSurvive() {
        for (String hash : referenced()) {
            assertThat(store.dataPath(hash)).as("data of referenced " + hash).exists();
            assertThat(store.metaPath(hash)).as(".meta of referenced " + hash).exists();
        }
    }

    Map<Path, byte[]> notebookFiles() throws Exception {
        Map<Path, byte[]> files = new HashMap<>();
        try (Stream<Path> list = Files.list(docs)) {
            for (Path f : list.toList()) {
                files.put(f, Files.readAllBytes(f));
            }
        }
        return files;
    }

    @Nested
    class References {
        @Test
        void manifestsInOutputsAndTheBlobsTheyNameAreFoundInSavesAndAppendedChanges() throws Exception {
            OutputReferences.Found found = new OutputReferences(docs, store).find(false);
            assertThat(found.hashes()).containsExactlyInAnyOrderElementsOf(referenced());
            assertThat(found.documents()).isEqualTo(2);
            assertThat(found.unreadable()).isEmpty();
        }

        @Test
        void aMissingNotebookDocsDirectoryHoldsNoReferences() throws Exception {
            OutputReferences.Found found = new OutputReferences(tmp.resolve("nowhere"), store).find(false);
            assertThat(found.hashes()).isEmpty();
            assertThat(found.documents()).isZero();
            assertThat(tmp.resolve("nowhere")).doesNotExist();
        }

        @Test
        void everyDocumentLoadedIsFreed() throws Exception {
            NativeHandles.Counts before = NativeHandles.counts();
            new OutputReferences(docs, store).find(false);
            NativeHandles.Counts during = NativeHandles.counts().minus(before);
            assertThat(during.documentsCreated()).as("documents loaded").isEqualTo(2);
            assertThat(during.liveDocuments()).as("documents left unfreed").isZero();
        }
    }

    @Nested
    class Collecting {
        @Test
        void referencedBlobsSurviveWhateverTheirAgeAndUnreferencedOldOnesGo() throws Exception {
            ReachableBlobGc.Report report = collect(OptionalLong.empty(), false);

            assertReferencedSurvive();
            assertThat(store.dataPath(oldUnreferenced)).doesNotExist();
            assertThat(store.metaPath(oldUnreferenced)).doesNotExist();
            assertThat(store.dataPath(youngUnreferenced)).exists();
            long referencedBytes = referencedBytes();
            assertThat(report.result()).isEqualTo(new BlobGc.Result(1, 100, 7, referencedBytes + 200, 6, referencedBytes, false));
            assertThat(report.result().unreferencedKeptBlobs()).isEqualTo(1);
            assertThat(report.notebookDocuments()).isEqualTo(2);
        }

        @Test
        void theSizeCapNeverRemovesAReferencedBlob() throws Exception {
            ReachableBlobGc.Report report = collect(OptionalLong.of(0), false);

            assertReferencedSurvive();
            assertThat(store.list()).containsExactlyInAnyOrderElementsOf(referenced());
            assertThat(report.result().deletedBlobs()).isEqualTo(2);
            assertThat(report.result().keptBytes()).as("over the cap, but all of it referenced").isEqualTo(referencedBytes());
        }

        @Test
        void aDryRunCountsBothKindsAndDeletesNothing() throws Exception {
            ReachableBlobGc.Report report = new ReachableBlobGc(store, docs).collect(MONTH, OptionalLong.of(0), NOW, true, false);
            assertThat(store.list()).hasSize(8);
            assertThat(report.result().referencedBlobs()).isEqualTo(6);
            assertThat(report.result().deletedBlobs()).isEqualTo(2);
            assertThat(report.result().unreferencedKeptBlobs()).isZero();
        }

        @Test
        void theGcNeverChangesANotebookDocumentFileNotEvenATornOneOrACorruptOne() throws Exception {
            Files.write(docs.resolve("c.automerge"), "not automerge".getBytes(StandardCharsets.UTF_8));
            Map<Path, byte[]> before = notebookFiles();

            collect(OptionalLong.of(0), true);

            Map<Path, byte[]> after = notebookFiles();
            assertThat(after.keySet()).containsExactlyInAnyOrderElementsOf(before.keySet());
            for (Path f : before.keySet()) {
                assertThat(after.get(f)).as(f.toString()).isEqualTo(before.get(f));
            }
        }
    }

    @Nested
    class UnreadableDocuments {
        @BeforeEach
        void aCorruptDocument() throws Exception {
            Files.write(docs.resolve("c.automerge"), "not automerge".getBytes(StandardCharsets.UTF_8));
        }

        @Test
        void stopTheGcBeforeItDeletesAnything() throws Exception {
            List<String> stored = store.list();

            assertThatThrownBy(() -> collect(OptionalLong.of(0), false))
                    .isInstanceOfSatisfying(OutputReferences.UnreadableDocumentsException.class, e ->
                            assertThat(e.files()).extracting(OutputReferences.Unreadable::file)
                                    .containsExactly(docs.resolve("c.automerge")));

            assertThat(store.list()).containsExactlyInAnyOrderElementsOf(stored);
            assertThat(docs.resolve("c.automerge")).as("never renamed aside").exists();
        }

        @Test
        void areSkippedAndReportedWhenToldTo() throws Exception {
            ReachableBlobGc.Report report = collect(OptionalLong.empty(), true);

            assertThat(report.skipped()).extracting(OutputReferences.Unreadable::file).containsExactly(docs.resolve("c.automerge"));
            assertThat(report.notebookDocuments()).isEqualTo(2);
            assertReferencedSurvive();
            assertThat(store.dataPath(oldUnreferenced)).doesNotExist();
        }
    }
}
