package io.runtimed.outputs;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.blob.BlobStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Provisional (superseded stream) blobs against permanent references, with a real store. */
class OutputBlobsTest {
    @TempDir
    Path dir;

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aProvisionalBlobIsDeletedWhenReleased() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("blobs"));
        OutputBlobs blobs = new OutputBlobs(store);
        OutputBlobs.Session stream = blobs.session(true);
        String hash = stream.put(bytes("partial"), "text/plain");
        store.commitDeferred();
        assertThat(stream.created()).containsExactly(hash);

        blobs.release(List.of(hash));
        assertThat(store.exists(hash)).isFalse();
    }

    /** A permanent put asks the disk nothing, so it must pin what it meets, held or already stored. */
    @Test
    void aProvisionalBlobReferencedForGoodLaterIsKeptWhenReleasedEvenAfterItsCommit() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("blobs"));
        OutputBlobs blobs = new OutputBlobs(store);
        String held = blobs.session(true).put(bytes("still held"), "text/plain");
        String stored = blobs.session(true).put(bytes("stored already"), "text/plain");
        store.commitDeferred();
        String heldLater = blobs.session(true).put(bytes("held later"), "text/plain");

        OutputBlobs.Session permanent = blobs.session(false);
        assertThat(permanent.put(bytes("stored already"), "text/plain")).isEqualTo(stored);
        assertThat(permanent.put(bytes("held later"), "text/plain")).isEqualTo(heldLater);
        blobs.release(List.of(held, stored, heldLater));
        store.commitDeferred();

        assertThat(store.exists(held)).as("only provisional: released").isFalse();
        assertThat(new BlobStore(dir.resolve("blobs")).get(stored)).as("committed, then pinned").contains(bytes("stored already"));
        assertThat(new BlobStore(dir.resolve("blobs")).get(heldLater)).as("held, then pinned").contains(bytes("held later"));
    }

    @Test
    void bytesWrittenCountsNewBlobsOnce() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("blobs"));
        OutputBlobs blobs = new OutputBlobs(store);
        blobs.session(false).put(bytes("12345"), "text/plain");
        blobs.session(false).put(bytes("12345"), "text/plain");
        blobs.session(true).put(bytes("123"), "text/plain");
        blobs.session(true).put(bytes("123"), "text/plain");
        assertThat(blobs.bytesWritten()).isEqualTo(8);
    }

    /**
     * Two rooms write the same stream text at the same moment: one as a provisional blob it then
     * releases (its stream moved on), the other for good. Whatever the interleaving, the blob the
     * second one refers to stays in the store: a put and a release of the same bytes never overlap.
     */
    @Test
    void aBlobPutForGoodWhileAnotherRoomReleasesTheSameBytesIsNeverLost() throws Exception {
        BlobStore store = new BlobStore(dir.resolve("blobs"));
        OutputBlobs blobs = new OutputBlobs(store);
        int rounds = 3000;
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
        java.util.List<String> permanent = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread streaming = new Thread(() -> {
            try {
                for (int i = 0; i < rounds; i++) {
                    start.await();
                    String h = blobs.session(true).put(bytes("line " + i), "text/plain");
                    blobs.release(List.of(h));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "streaming-room");
        streaming.start();
        for (int i = 0; i < rounds; i++) {
            start.await();
            permanent.add(blobs.session(false).put(bytes("line " + i), "text/plain"));
        }
        streaming.join();
        java.util.List<String> lost = permanent.stream().filter(h -> !store.exists(h)).toList();
        assertThat(lost).as("blobs referred to for good but deleted").isEmpty();
    }
}
