package io.runtimed.rooms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.NativeHandles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.automerge.AmValue;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Changes nobody waits to see durable (a kernel's outputs) are written together, within the
 * group-commit window; a peer's edit, a flush and a close write at once and take them along. A real
 * document store in a temp directory.
 */
class DocumentStoreGroupCommitTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    @TempDir
    Path dir;
    Path file;
    DocumentOwner owner;
    DocumentStore store;

    @BeforeEach
    void open() {
        file = dir.resolve("doc.automerge");
        owner = new DocumentOwner("test", NativeHandles.newDocument());
        store = new DocumentStore(file, owner, null, 0, DocumentStore.Compaction.DEFAULT, "test", () -> { });
    }

    @AfterEach
    void close() {
        store.close();
        owner.close();
    }

    /** What the file holds at {@code key}, read as a daemon at its next start would. */
    String onDisk(String key) throws Exception {
        Document d = DocumentStore.load(Files.readAllBytes(file)).doc();
        try {
            return d.get(ObjectId.ROOT, key).map(v -> ((AmValue.Str) v).getValue()).orElse(null);
        } finally {
            NativeHandles.free(d);
        }
    }

    @Test
    void anOutputIsWrittenWithinTheWindowWithoutAnyoneAsking() throws Exception {
        owner.changeEventually(tx -> tx.set(ObjectId.ROOT, "output", "o1"));
        await().atMost(WAIT).until(() -> store.bytesWritten() > 0);
        assertThat(onDisk("output")).isEqualTo("o1");
    }

    @Test
    void outputsMadeWithinTheWindowAreWrittenInOneBatch() throws Exception {
        store.groupCommit(Duration.ofHours(1));
        for (int i = 0; i < 20; i++) {
            int n = i;
            owner.changeEventually(tx -> tx.set(ObjectId.ROOT, "output", "o" + n));
        }
        assertThat(store.writes()).as("written while the window is open").isZero();
        store.groupCommit(Duration.ZERO);
        await().atMost(WAIT).until(() -> store.bytesWritten() > 0);
        assertThat(store.writes()).isEqualTo(1);
        assertThat(onDisk("output")).isEqualTo("o19");
    }

    @Test
    void aPeersEditIsWrittenAtOnceAndTakesTheWaitingOutputsAlong() throws Exception {
        store.groupCommit(Duration.ofHours(1));
        owner.changeEventually(tx -> tx.set(ObjectId.ROOT, "output", "o1"));
        owner.change(tx -> tx.set(ObjectId.ROOT, "edit", "e1"));
        await().atMost(WAIT).until(() -> store.bytesWritten() > 0);
        assertThat(store.writes()).isEqualTo(1);
        assertThat(onDisk("edit")).isEqualTo("e1");
        assertThat(onDisk("output")).isEqualTo("o1");
    }

    @Test
    void theEndOfACellWritesWhatWaitsWithoutWaitingForTheDisk() throws Exception {
        store.groupCommit(Duration.ofHours(1));
        owner.changeEventually(tx -> tx.set(ObjectId.ROOT, "output", "o1"));
        store.writeSoon();
        await().atMost(WAIT).until(() -> store.bytesWritten() > 0);
        assertThat(onDisk("output")).isEqualTo("o1");
    }

    @Test
    void aFlushWritesWhatWaitsAtOnce() throws Exception {
        store.groupCommit(Duration.ofHours(1));
        owner.changeEventually(tx -> tx.set(ObjectId.ROOT, "output", "o1"));
        assertThat(store.flush(WAIT)).isTrue();
        assertThat(onDisk("output")).isEqualTo("o1");
    }

    @Test
    void closingWritesWhatWaits() throws Exception {
        store.groupCommit(Duration.ofHours(1));
        owner.changeEventually(tx -> tx.set(ObjectId.ROOT, "output", "o1"));
        store.close();
        assertThat(onDisk("output")).isEqualTo("o1");
    }
}
