package io.runtimed.blob;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The blob gc: age first, then least recently used beyond the size cap. */
class BlobGcTest {
    static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

    @TempDir
    Path dir;
    BlobStore store;
    String old;
    String recent;
    String middle;

    @BeforeEach
    void threeBlobs() throws Exception {
        store = new BlobStore(dir.resolve("blobs"));
        old = store.put(new byte[100], "a");
        middle = store.put(new byte[200], "a");
        recent = store.put(new byte[300], "a");
        usedAt(old, NOW.minus(Duration.ofDays(40)), NOW.minus(Duration.ofDays(40)));
        usedAt(middle, NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(20)));
        usedAt(recent, NOW.minus(Duration.ofDays(1)), NOW.minus(Duration.ofDays(1)));
    }

    void usedAt(String hash, Instant accessed, Instant modified) throws Exception {
        Files.getFileAttributeView(store.dataPath(hash), BasicFileAttributeView.class)
                .setTimes(FileTime.from(modified), FileTime.from(accessed), null);
    }

    BlobGc.Result collect(Duration maxAge, OptionalLong cap, boolean dryRun) throws Exception {
        return new BlobGc(store).collect(Set.of(), maxAge, cap, NOW, dryRun);
    }

    @Test
    void blobsUnusedForLongerThanTheAgeAreDeleted() throws Exception {
        BlobGc.Result r = collect(Duration.ofDays(30), OptionalLong.empty(), false);
        assertThat(r).isEqualTo(new BlobGc.Result(1, 100, 2, 500, 0, 0, false));
        assertThat(store.list()).containsExactlyInAnyOrder(middle, recent);
        assertThat(store.metaPath(old)).doesNotExist();
    }

    @Test
    void aRecentAccessCountsAsUseEvenWhenTheFileIsOld() throws Exception {
        usedAt(old, NOW.minus(Duration.ofDays(2)), NOW.minus(Duration.ofDays(400)));
        assertThat(collect(Duration.ofDays(30), OptionalLong.empty(), false).deletedBlobs()).isZero();
    }

    @Test
    void storingTheSameContentAgainCountsAsUse() throws Exception {
        store.put(new byte[100], "a"); // the 40-day-old blob, stored again just now
        assertThat(store.usage(old)).hasValueSatisfying(u -> assertThat(u.lastUsed()).isAfter(NOW.minus(Duration.ofDays(1))));
        assertThat(collect(Duration.ofDays(30), OptionalLong.empty(), false).deletedBlobs()).isZero();
    }

    @Test
    void theSizeCapDeletesTheLeastRecentlyUsedFirst() throws Exception {
        BlobGc.Result r = collect(Duration.ofDays(365), OptionalLong.of(350), false);
        assertThat(r).isEqualTo(new BlobGc.Result(2, 300, 1, 300, 0, 0, false));
        assertThat(store.list()).containsExactly(recent);
    }

    @Test
    void ageAndCapTogether() throws Exception {
        BlobGc.Result r = collect(Duration.ofDays(30), OptionalLong.of(500), false);
        assertThat(r).isEqualTo(new BlobGc.Result(1, 100, 2, 500, 0, 0, false));
    }

    @Test
    void aDryRunDeletesNothing() throws Exception {
        BlobGc.Result r = collect(Duration.ofDays(30), OptionalLong.of(0), true);
        assertThat(r).isEqualTo(new BlobGc.Result(3, 600, 0, 0, 0, 0, true));
        assertThat(store.list()).hasSize(3);
    }

    @Test
    void aMissingStoreIsEmpty() throws Exception {
        BlobGc.Result r = new BlobGc(new BlobStore(dir.resolve("nowhere"))).collect(Set.of(), Duration.ZERO, OptionalLong.of(0), NOW, false);
        assertThat(r).isEqualTo(new BlobGc.Result(0, 0, 0, 0, 0, 0, false));
        assertThat(dir.resolve("nowhere")).doesNotExist();
    }
}
