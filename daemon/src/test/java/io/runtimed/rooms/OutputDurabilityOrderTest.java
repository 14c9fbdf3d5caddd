package io.runtimed.rooms;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.blob.BlobStore;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.NativeHandles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.automerge.ObjectId;
import org.automerge.SyncState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a kernel's output may skip and what it may not: a message to a peer does not wait for an
 * output's fsync ({@link DocumentOwner#changeEventually}), a peer's edit is still never announced
 * before it is durable, and the journal makes an output's deferred blobs durable before it writes
 * the change that refers to them. A real document store and blob store in a temp directory.
 */
class OutputDurabilityOrderTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    @TempDir
    Path dir;
    DocumentOwner owner;
    DocumentStore store;
    SyncState state;
    BlobStore blobs;
    Path file;
    /** Held by a test to keep the journal's writer before its first write. */
    final CountDownLatch writerMayGo = new CountDownLatch(1);
    /** For each write: whether the document file existed and the blob was in its place when the hook ran. */
    final List<String> atEachWrite = new ArrayList<>();

    @BeforeEach
    void open() {
        file = dir.resolve("doc.automerge");
        blobs = new BlobStore(dir.resolve("blobs"));
        owner = new DocumentOwner("test", NativeHandles.newDocument());
        store = new DocumentStore(file, owner, null, 0, DocumentStore.Compaction.DEFAULT, "test", () -> {
            try {
                writerMayGo.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            blobs.commitDeferred();
            synchronized (atEachWrite) {
                atEachWrite.add("file " + Files.exists(file) + ", blob on disk " + new BlobStore(blobs.root()).exists(hash()));
            }
        });
        state = NativeHandles.newSyncState();
    }

    @AfterEach
    void close() {
        writerMayGo.countDown();
        store.close();
        owner.underLock(() -> NativeHandles.free(state));
        owner.close();
    }

    static String hash() {
        return "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
    }

    @Test
    void aMessageCarryingOnlyAnOutputDoesNotWaitForTheDiskButOneCarryingAnEditDoes() {
        owner.changeEventually(tx -> tx.set(ObjectId.ROOT, "output", "o1"));
        DocumentOwner.Outgoing first = owner.generateOutgoing(state).orElseThrow();
        assertThat(first.ticket()).as("nothing to wait for, although the writer has not written").isZero();
        assertThat(file).doesNotExist();

        owner.change(tx -> tx.set(ObjectId.ROOT, "edit", "e1"));
        SyncState fresh = NativeHandles.newSyncState();
        try {
            DocumentOwner.Outgoing second = owner.generateOutgoing(fresh).orElseThrow();
            assertThat(second.ticket()).as("the edit's ticket, which covers the output staged before it").isEqualTo(2);
        } finally {
            owner.underLock(() -> NativeHandles.free(fresh));
        }
        writerMayGo.countDown();
        owner.awaitDurable(2);
        assertThat(store.flush(WAIT)).isTrue();
        assertThat(file).exists();
    }

    @Test
    void theJournalPutsAnOutputsBlobInPlaceBeforeItWritesTheChangeThatRefersToIt() throws Exception {
        String hash = blobs.putDeferred("hello world".getBytes(StandardCharsets.UTF_8), "text/plain").hash();
        assertThat(hash).isEqualTo(hash());
        owner.changeEventually(tx -> tx.set(ObjectId.ROOT, "output", hash));
        writerMayGo.countDown();
        assertThat(store.flush(WAIT)).isTrue();
        assertThat(atEachWrite).first().as("the first write: no document file yet, and the blob already durable")
                .isEqualTo("file false, blob on disk true");
        assertThat(blobs.get(hash)).isPresent();
    }
}
