package io.runtimed.ipynb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.blob.BlobStore;
import io.runtimed.outputs.OutputBlobs;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.NotebookResponse;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.sync.notebook.NotebookDoc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 part 3 on real files and a real directory watch: autosave, a file changed by someone
 * else reloaded into a room without unsaved edits, and a conflict that loses neither version.
 */
class NotebookFileTest {
    static final Duration WAIT = Duration.ofSeconds(15);
    @TempDir
    Path dir;
    NotebookFileService service;
    final AtomicBoolean autosave = new AtomicBoolean(true);
    final AtomicInteger told = new AtomicInteger();
    final List<AutoCloseable> open = new ArrayList<>();
    Path file;
    /** Where the room's document would be kept; its base record goes next to it. */
    Path documentFile;

    @BeforeEach
    void start() throws Exception {
        OutputBlobs blobs = new OutputBlobs(new BlobStore(dir.resolve("blobs")));
        service = new NotebookFileService(blobs, autosave::get, Duration.ofMillis(200), Duration.ofMillis(1000));
        file = dir.resolve("work.ipynb");
        documentFile = dir.resolve("docs").resolve("work.automerge");
        Files.writeString(file, NbformatJson.write(notebook("a = 1", "b = 2")));
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        service.close();
    }

    static ObjectNode notebook(String... sources) {
        ObjectNode nb = Json.MAPPER.createObjectNode();
        nb.put("nbformat", 4);
        nb.put("nbformat_minor", 5);
        nb.putObject("metadata");
        ArrayNode cells = nb.putArray("cells");
        for (int i = 0; i < sources.length; i++) {
            ObjectNode c = cells.addObject();
            c.put("id", "c" + i);
            c.put("cell_type", "code");
            c.put("source", sources[i]);
            c.putObject("metadata");
            c.putArray("outputs");
            c.putNull("execution_count");
        }
        return nb;
    }

    /** A room's document and its file, as the daemon opens them. */
    record Room(DocumentOwner owner, NotebookFile file) implements AutoCloseable {
        void edit(String cellId, String source) {
            owner.change(tx -> NotebookDoc.updateSource(tx, cellId, source));
            file.changed();
        }

        List<String> sources() {
            return owner.read(NotebookDoc::cells).stream().map(NotebookCell::source).toList();
        }

        Optional<String> conflict() {
            return owner.read(d -> NotebookDoc.getMetadata(d, NotebookFile.CONFLICT));
        }

        @Override
        public void close() {
            file.close();
            owner.close();
        }
    }

    Room open(DocumentOwner owner) {
        Room r = new Room(owner, NotebookFile.open(file.toString(), owner, service, told::incrementAndGet, documentFile).orElseThrow());
        open.add(r);
        return r;
    }

    Room open() {
        return open(new DocumentOwner("test", NotebookDoc.createFresh(file.toString())));
    }

    String sourcesOnDisk() throws Exception {
        StringBuilder b = new StringBuilder();
        NbformatJson.read(Files.readAllBytes(file)).path("cells").forEach(c -> b.append(c.path("source").asText()).append('|'));
        return b.toString();
    }

    @Test
    void anEditIsAutosavedAfterAQuietSpell() throws Exception {
        Room room = open();
        assertThat(room.sources()).containsExactly("a = 1", "b = 2");
        room.edit("c0", "a = 10");
        await().atMost(WAIT).until(() -> sourcesOnDisk().equals("a = 10|b = 2|"));
        assertThat(room.conflict()).isEmpty();
    }

    @Test
    void aRoomWhosePathNamesNoFileIsNeverAutosavedButAnExplicitSaveCreatesTheFile() throws Exception {
        Path fresh = dir.resolve("new.ipynb");
        DocumentOwner owner = new DocumentOwner("test", NotebookDoc.createFresh(fresh.toString()));
        open.add(owner);
        NotebookFile f = NotebookFile.open(fresh.toString(), owner, service, () -> { }, documentFile).orElseThrow();
        owner.change(tx -> NotebookDoc.addCell(tx, 0, "n", "code", true));
        f.changed();
        f.close(); // runs the pending autosave, if there were one
        assertThat(fresh).as("autosave never creates a file").doesNotExist();

        NotebookFile again = NotebookFile.open(fresh.toString(), owner, service, () -> { }, documentFile).orElseThrow();
        open.add(again);
        assertThat(again.save(false)).isInstanceOf(NotebookResponse.NotebookSaved.class);
        assertThat(fresh).exists();
        owner.change(tx -> NotebookDoc.updateSource(tx, "n", "now autosaved"));
        again.changed();
        await().atMost(WAIT).until(() -> Files.readString(fresh).contains("now autosaved"));
    }

    @Test
    void aSaveIntoADirectoryThatDoesNotExistIsRefused() {
        Path nowhere = dir.resolve("missing").resolve("x.ipynb");
        DocumentOwner owner = new DocumentOwner("test", NotebookDoc.createFresh(nowhere.toString()));
        open.add(owner);
        NotebookResponse r = NotebookFiles.save(nowhere.toString(), owner, service.blobs(), true);
        assertThat(((NotebookResponse.Error) r).error()).contains("does not exist");
        assertThat(nowhere.getParent()).doesNotExist();
    }

    @Test
    void withAutosaveOffNothingIsWrittenUntilASave() throws Exception {
        autosave.set(false);
        Room room = open();
        String before = Files.readString(file);
        room.edit("c0", "a = 10");
        room.edit("c1", "b = 20");
        room.file().close(); // runs the autosave that is pending, which must not write
        assertThat(Files.readString(file)).isEqualTo(before);
        NotebookFile again = NotebookFile.open(file.toString(), room.owner(), service, () -> { }, documentFile).orElseThrow();
        open.add(again);
        assertThat(again.save(false)).isInstanceOf(NotebookResponse.NotebookSaved.class);
        assertThat(sourcesOnDisk()).isEqualTo("a = 10|b = 20|");
    }

    @Test
    void aFileChangedElsewhereIsReloadedIntoARoomWithoutUnsavedEditsAsAMinimalChange() throws Exception {
        Room room = open();
        List<String> ids = room.owner().read(NotebookDoc::cells).stream().map(NotebookCell::id).toList();
        Files.writeString(file, NbformatJson.write(notebook("a = 1", "b = 2 + 1")));
        await().atMost(WAIT).until(() -> room.sources().equals(List.of("a = 1", "b = 2 + 1")));
        assertThat(room.owner().read(NotebookDoc::cells).stream().map(NotebookCell::id).toList()).isEqualTo(ids);
        assertThat(told.get()).as("the windows were told").isPositive();
        assertThat(room.conflict()).isEmpty();
        // and the room goes on saving over the new version, which is now its base
        room.edit("c0", "a = 3");
        await().atMost(WAIT).until(() -> sourcesOnDisk().equals("a = 3|b = 2 + 1|"));
    }

    @Test
    void aReloadDeletesMovesAndAddsCellsAndKeepsTheOnesThatStay() throws Exception {
        Room room = open();
        ObjectNode next = notebook("b = 2", "new = 0", "a = 1");
        ArrayNode cells = (ArrayNode) next.get("cells");
        ((ObjectNode) cells.get(0)).put("id", "c1");
        ((ObjectNode) cells.get(1)).put("id", "fresh");
        ((ObjectNode) cells.get(1)).put("cell_type", "markdown");
        ((ObjectNode) cells.get(1)).remove(List.of("outputs", "execution_count"));
        ((ObjectNode) cells.get(2)).put("id", "c0");
        ((ObjectNode) cells.get(2)).put("execution_count", 3);
        Files.writeString(file, NbformatJson.write(next));
        await().atMost(WAIT).until(() -> room.owner().read(NotebookDoc::cells).stream().map(NotebookCell::id).toList()
                .equals(List.of("c1", "fresh", "c0")));
        List<NotebookCell> now = room.owner().read(NotebookDoc::cells);
        assertThat(now).extracting(NotebookCell::source).containsExactly("b = 2", "new = 0", "a = 1");
        assertThat(now).extracting(NotebookCell::cellType).containsExactly("code", "markdown", "code");
        assertThat(now.get(2).executionCount()).isEqualTo("3");
        // saved again, the room writes what the file now holds
        assertThat(room.file().save(false)).isInstanceOf(NotebookResponse.NotebookSaved.class);
        assertThat(sourcesOnDisk()).isEqualTo("b = 2|new = 0|a = 1|");
    }

    @Test
    void whenBothChangedNeitherVersionIsLost() throws Exception {
        autosave.set(false);
        Room room = open();
        room.edit("c0", "mine = 1");
        String theirs = NbformatJson.write(notebook("theirs = 1", "b = 2"));
        Files.writeString(file, theirs);
        await().atMost(WAIT).until(() -> room.conflict().isPresent());
        assertThat(room.sources()).containsExactly("mine = 1", "b = 2");
        autosave.set(true);
        room.edit("c1", "b = 3");
        NotebookResponse refused = room.file().save(false);
        assertThat(((NotebookResponse.Error) refused).error()).contains("changed on disk").contains("force");
        assertThat(Files.readString(file)).isEqualTo(theirs);

        assertThat(room.file().save(true)).isInstanceOf(NotebookResponse.NotebookSaved.class);
        assertThat(sourcesOnDisk()).isEqualTo("mine = 1|b = 3|");
        try (Stream<Path> list = Files.list(dir)) {
            Path kept = list.filter(p -> p.getFileName().toString().startsWith("work.outside-")).findFirst().orElseThrow();
            assertThat(Files.readString(kept)).isEqualTo(theirs);
        }
        await().atMost(WAIT).until(() -> room.conflict().isEmpty());
    }

    /** The room of an earlier run: opened, then its file closed as at a daemon stop; the document stays. */
    DocumentOwner earlierRun(java.util.function.Consumer<Room> whileOpen) {
        DocumentOwner owner = new DocumentOwner("test", NotebookDoc.createFresh(file.toString()));
        open.add(owner);
        NotebookFile f = NotebookFile.open(file.toString(), owner, service, () -> { }, documentFile).orElseThrow();
        whileOpen.accept(new Room(owner, f));
        f.close();
        return owner;
    }

    @Test
    void aFileChangedWhileTheDaemonWasAwayIsLoadedIntoTheUnchangedDocument() throws Exception {
        DocumentOwner owner = earlierRun(r -> { });
        Files.writeString(file, NbformatJson.write(notebook("a = 1", "b = 'edited elsewhere'")));
        Room room = new Room(owner, NotebookFile.open(file.toString(), owner, service, () -> { }, documentFile).orElseThrow());
        assertThat(room.sources()).containsExactly("a = 1", "b = 'edited elsewhere'");
        assertThat(room.conflict()).isEmpty();
        room.file().close();
    }

    @Test
    void editsNotYetSavedWhenTheDaemonStoppedAreSavedWhenTheRoomOpensAgain() throws Exception {
        autosave.set(false);
        DocumentOwner owner = earlierRun(r -> r.edit("c0", "a = 'unsaved'"));
        autosave.set(true);
        Room room = new Room(owner, NotebookFile.open(file.toString(), owner, service, () -> { }, documentFile).orElseThrow());
        await().atMost(WAIT).until(() -> sourcesOnDisk().equals("a = 'unsaved'|b = 2|"));
        assertThat(room.conflict()).isEmpty();
        room.file().close();
    }

    @Test
    void whenBothChangedWhileTheDaemonWasAwayTheRoomOpensInConflict() throws Exception {
        autosave.set(false);
        DocumentOwner owner = earlierRun(r -> r.edit("c0", "a = 'mine'"));
        autosave.set(true);
        String theirs = NbformatJson.write(notebook("a = 'theirs'", "b = 2"));
        Files.writeString(file, theirs);
        Room room = new Room(owner, NotebookFile.open(file.toString(), owner, service, () -> { }, documentFile).orElseThrow());
        assertThat(room.conflict()).isPresent();
        assertThat(room.sources()).containsExactly("a = 'mine'", "b = 2");
        assertThat(Files.readString(file)).isEqualTo(theirs);
        room.file().close();
        assertThat(Files.readString(file)).as("closing does not autosave over it either").isEqualTo(theirs);
    }

    @Test
    void aDocumentFromAnEarlierRunThatIsNotTheFileStartsInConflict() throws Exception {
        DocumentOwner earlier = new DocumentOwner("test", NotebookDoc.createFresh(file.toString()));
        earlier.change(tx -> {
            NotebookDoc.addCell(tx, 0, "c0", "code", true);
            NotebookDoc.updateSource(tx, "c0", "edited while the daemon was down");
        });
        Room room = open(earlier);
        assertThat(room.conflict()).isPresent();
        String before = Files.readString(file);
        room.edit("c0", "more");
        assertThat(((NotebookResponse.Error) room.file().save(false)).error()).contains("force");
        assertThat(Files.readString(file)).isEqualTo(before);
    }

    @Test
    void aDocumentFromAnEarlierRunThatIsTheFileIsInStep() throws Exception {
        DocumentOwner first = new DocumentOwner("test", NotebookDoc.createFresh(file.toString()));
        NotebookFiles.loadIfEmpty(file.toString(), first, service.blobs());
        Room room = open(first);
        assertThat(room.conflict()).isEmpty();
        room.edit("c1", "b = 5");
        await().atMost(WAIT).until(() -> sourcesOnDisk().equals("a = 1|b = 5|"));
    }
}
