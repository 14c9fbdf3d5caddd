package io.runtimed.rooms.notebook;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.paths.NotebookDocFiles;
import io.runtimed.rooms.DocumentStore;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.notebook.NotebookDoc;
import io.runtimed.sync.notebook.NotebookSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.automerge.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NOTEBOOK.md §4 and §7, and the incremental writes that replace §6's full save per message. */
class NotebookStoreTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    @TempDir
    Path dir;
    NativeHandles.Counts before;

    @BeforeEach
    void count() {
        before = NativeHandles.counts();
    }

    @AfterEach
    void everyDocumentIsFreed() {
        assertThat(NativeHandles.counts().minus(before).liveDocuments()).as("documents not freed").isZero();
    }

    /** A room's owner and store over {@code file}, loaded as the daemon would. */
    record Open(DocumentOwner owner, DocumentStore store) implements AutoCloseable {
        static Open of(Path file, String id, DocumentStore.Compaction compaction) {
            NotebookStore.Loaded loaded = NotebookStore.load(file, id);
            DocumentOwner owner = new DocumentOwner("test", loaded.doc());
            return new Open(owner, new DocumentStore(file, owner,
                    loaded.onDisk() ? owner.withDocument(Document::getHeads) : null, loaded.fileBytes(), compaction,
                    "test"));
        }

        void edit(java.util.function.Consumer<org.automerge.Transaction> change) {
            owner.change(change);
            assertThat(store.flush(WAIT)).isTrue();
        }

        NotebookSnapshot snapshot() {
            return owner.read(NotebookDoc::snapshot);
        }

        @Override
        public void close() {
            store.close();
            owner.close();
        }
    }

    @Test
    void theFileNameIsTheSha256OfTheIdAndDiffersPerId() {
        assertThat(NotebookDocFiles.fileName("/path/to/notebook.ipynb")).matches("[0-9a-f]{64}\\.automerge")
                .isEqualTo(NotebookDocFiles.fileName("/path/to/notebook.ipynb"));
        assertThat(NotebookDocFiles.fileName("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.automerge");
        assertThat(NotebookDocFiles.fileName("a")).isNotEqualTo(NotebookDocFiles.fileName("b"));
    }

    @Test
    void aMissingFileGivesAFreshDocumentWithTheId() {
        NotebookStore.Loaded loaded = NotebookStore.load(dir.resolve("x.automerge"), "nb-7");
        try {
            assertThat(loaded.onDisk()).isFalse();
            assertThat(NotebookDoc.snapshot(loaded.doc()).notebookId()).isEqualTo("nb-7");
        } finally {
            NativeHandles.free(loaded.doc());
        }
        assertThat(dir.resolve("x.automerge")).doesNotExist();
    }

    @Test
    void aGarbageFileIsKeptByteForByteAsCorruptAndAFreshDocumentServed() throws IOException {
        Path file = NotebookDocFiles.fileFor(dir, "nb");
        byte[] garbage = "this is not automerge \u0000\u0001".getBytes();
        Files.write(file, garbage);
        NotebookStore.Loaded loaded = NotebookStore.load(file, "nb");
        try {
            assertThat(NotebookDoc.cells(loaded.doc())).isEmpty();
            assertThat(NotebookDoc.notebookId(loaded.doc())).contains("nb");
        } finally {
            NativeHandles.free(loaded.doc());
        }
        assertThat(file).doesNotExist();
        assertThat(Files.readAllBytes(dir.resolve(file.getFileName() + ".corrupt"))).isEqualTo(garbage);
    }

    @Test
    void editsAreAppendedAndTheConcatenationLoads() throws IOException {
        Path file = NotebookDocFiles.fileFor(dir, "nb");
        try (Open room = Open.of(file, "nb", DocumentStore.Compaction.DEFAULT)) {
            room.edit(tx -> NotebookDoc.addCell(tx, 0, "c", "code", false));
            long afterFirst = Files.size(file);
            for (String s : new String[] {"h", "hé", "hé🌍", "hé🌍世"}) {
                room.edit(tx -> NotebookDoc.updateSource(tx, "c", s));
            }
            long perEdit = (Files.size(file) - afterFirst) / 4;
            long fullSave = room.owner().withDocument(Document::save).length;
            assertThat(perEdit).as("an edit appends its change only").isLessThan(fullSave);
        }
        try (Open again = Open.of(file, "nb", DocumentStore.Compaction.DEFAULT)) {
            assertThat(again.snapshot().cell("c").get().source()).isEqualTo("hé🌍世");
        }
    }

    @Test
    void aTornLastAppendIsCutOffAndEverythingBeforeItLoads() throws IOException {
        Path file = NotebookDocFiles.fileFor(dir, "nb");
        try (Open room = Open.of(file, "nb", DocumentStore.Compaction.DEFAULT)) {
            room.edit(tx -> NotebookDoc.addCell(tx, 0, "c", "code", false));
            room.edit(tx -> NotebookDoc.updateSource(tx, "c", "kept"));
        }
        long whole = Files.size(file);
        // a crash in the middle of the next append
        try (Open room = Open.of(file, "nb", DocumentStore.Compaction.DEFAULT)) {
            room.edit(tx -> NotebookDoc.updateSource(tx, "c", "kept and lost"));
        }
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, (int) (whole + (bytes.length - whole) / 2)));
        try (Open again = Open.of(file, "nb", DocumentStore.Compaction.DEFAULT)) {
            assertThat(again.snapshot().cell("c").get().source()).isEqualTo("kept");
        }
        assertThat(Files.size(file)).isEqualTo(whole);
        assertThat(dir.resolve(file.getFileName() + ".corrupt")).doesNotExist();
    }

    @Test
    void theFileIsCompactedToOneFullSavePastTheRatio() throws IOException {
        Path file = NotebookDocFiles.fileFor(dir, "nb");
        try (Open room = Open.of(file, "nb", new DocumentStore.Compaction(2.0, 1))) {
            room.edit(tx -> NotebookDoc.addCell(tx, 0, "c", "code", false));
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 30; i++) {
                text.append('x');
                String s = text.toString();
                room.edit(tx -> NotebookDoc.updateSource(tx, "c", s));
            }
            assertThat(room.store().compactions()).isPositive();
            long fullSave = room.owner().withDocument(Document::save).length;
            assertThat(Files.size(file)).isLessThanOrEqualTo(2 * fullSave + 200);
        }
        try (Open again = Open.of(file, "nb", DocumentStore.Compaction.DEFAULT)) {
            assertThat(again.snapshot().cell("c").get().source()).hasSize(30);
        }
    }

    @Test
    void aFreshRoomThatNeverChangesIsNeverWritten() {
        Path file = NotebookDocFiles.fileFor(dir, "nb");
        try (Open room = Open.of(file, "nb", DocumentStore.Compaction.DEFAULT)) {
            assertThat(room.snapshot().notebookId()).isEqualTo("nb");
        }
        assertThat(file).doesNotExist();
    }

    @Test
    void aFullSaveLeftHalfWrittenByAKilledDaemonIsRemovedWhenTheRoomOpensAndNeverLoaded() throws IOException {
        Path file = NotebookDocFiles.fileFor(dir, "nb");
        try (Open room = Open.of(file, "nb", DocumentStore.Compaction.DEFAULT)) {
            room.edit(tx -> NotebookDoc.addCell(tx, 0, "c", "code", false));
            room.edit(tx -> NotebookDoc.updateSource(tx, "c", "kept"));
        }
        // AtomicFiles' temp name of a writer (pid above Linux's pid_max: no such process) killed before its rename
        Path leftover = dir.resolve("." + file.getFileName() + ".99999999.3.tmp");
        Files.write(leftover, "half a save".getBytes());
        try (Open again = Open.of(file, "nb", DocumentStore.Compaction.DEFAULT)) {
            assertThat(again.snapshot().cell("c").get().source()).isEqualTo("kept");
            assertThat(leftover).doesNotExist();
        }
    }
}
