package io.runtimed.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runtimed.protocol.BlobHash;
import io.runtimed.protocol.BlobMeta;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** BLOBS.md §1–§4 against a real directory. */
public class BlobStoreTest {
    public static final String HELLO_HASH = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
    public static final String EMPTY_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    static final Instant CREATED = Instant.parse("2026-02-23T12:00:00.123456789Z");

    @TempDir
    Path dir;
    Path root;
    BlobStore store;

    @BeforeEach
    void setUp() {
        root = dir.resolve("blobs");
        store = new BlobStore(root, Clock.fixed(CREATED, ZoneOffset.UTC));
    }

    static byte[] hello() {
        return "hello world".getBytes(StandardCharsets.UTF_8);
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Every regular file under the root, relative to it. */
    List<String> filesUnderRoot() throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().collect(Collectors.toList());
        }
    }

    @Nested
    class Layout {
        @Test
        void putReturnsTheLowercaseSha256OfTheBytes() throws Exception {
            assertThat(store.put(hello(), "text/plain")).isEqualTo(HELLO_HASH).hasSize(64);
            assertThat(store.get(HELLO_HASH)).contains(hello());
        }

        @Test
        void dataAndSidecarLiveInTheTwoCharacterShard() throws Exception {
            store.put(hello(), "text/plain");
            assertThat(filesUnderRoot()).containsExactly(
                    "b9/4d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
                    "b9/4d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9.meta");
        }

        @Test
        void theSidecarIsCompactJsonInTheSpecsFieldOrder() throws Exception {
            store.put(hello(), "text/plain");
            assertThat(Files.readString(root.resolve("b9/4d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9.meta")))
                    .isEqualTo("{\"media_type\":\"text/plain\",\"size\":11,\"created_at\":\"2026-02-23T12:00:00.123456789Z\"}");
        }

        @Test
        void theRootIsCreatedByTheFirstStoreOnly() throws Exception {
            assertThat(store.list()).isEmpty();
            assertThat(store.exists(HELLO_HASH)).isFalse();
            assertThat(root).doesNotExist();
            store.put(hello(), "text/plain");
            assertThat(root).isDirectory();
        }

        @Test
        void theEmptyBlobIsABlob() throws Exception {
            assertThat(store.put(new byte[0], "application/x-empty")).isEqualTo(EMPTY_HASH);
            assertThat(store.get(EMPTY_HASH)).hasValueSatisfying(b -> assertThat(b).isEmpty());
            assertThat(store.meta(EMPTY_HASH)).hasValueSatisfying(m -> assertThat(m.size()).isZero());
        }
    }

    @Nested
    class Idempotence {
        @Test
        void identicalBytesGiveOneHashAndOneFile() throws Exception {
            String first = store.put(hello(), "text/plain");
            String second = store.put(hello(), "text/plain");
            String streamed = store.put(new ByteArrayInputStream(hello()), 11, "text/plain");
            assertThat(second).isEqualTo(first).isEqualTo(streamed);
            assertThat(filesUnderRoot()).hasSize(2);
        }

        @Test
        void theFirstMediaTypeWins() throws Exception {
            store.put(hello(), "text/plain");
            assertThat(store.put(hello(), "application/json")).isEqualTo(HELLO_HASH);
            assertThat(store.meta(HELLO_HASH)).contains(new BlobMeta("text/plain", 11, CREATED));
        }

        @Test
        void aMissingSidecarIsWrittenByTheNextStore() throws Exception {
            store.put(hello(), "text/plain");
            Files.delete(store.metaPath(HELLO_HASH));
            store.put(hello(), "image/png");
            assertThat(store.meta(HELLO_HASH)).hasValueSatisfying(m -> assertThat(m.mediaType()).isEqualTo("image/png"));
        }
    }

    @Nested
    class SizeCap {
        @Test
        void oneByteOverTheCapIsRefusedWithTheReferenceWordingBeforeReading() {
            boolean[] read = {false};
            assertThatThrownBy(() -> store.put(BlobStore.MAX_BLOB_BYTES + 1, "x", sink -> read[0] = true))
                    .isInstanceOf(BlobTooLargeException.class)
                    .hasMessage("blob too large: 104857601 bytes (max 104857600)");
            assertThat(read[0]).as("source was read").isFalse();
            assertThat(root).doesNotExist();
        }

        @Test
        void exactlyOneHundredMebibytesIsAcceptedAndStreamed() throws Exception {
            long size = BlobStore.MAX_BLOB_BYTES;
            MessageDigest expected = MessageDigest.getInstance("SHA-256");
            byte[] chunk = new byte[1 << 20];
            String hash = store.put(size, "application/octet-stream", sink -> {
                for (long left = size; left > 0; left -= chunk.length) {
                    chunk[0] = (byte) left; // not all zeros, so chunks differ
                    expected.update(chunk);
                    ByteBuffer b = ByteBuffer.wrap(chunk);
                    while (b.hasRemaining()) {
                        sink.write(b);
                    }
                }
            });
            assertThat(hash).isEqualTo(io.runtimed.protocol.BlobHash.hex(expected.digest()));
            assertThat(Files.size(store.dataPath(hash))).isEqualTo(size);
            assertThat(store.meta(hash)).hasValueSatisfying(m -> assertThat(m.size()).isEqualTo(size));
            assertThat(filesUnderRoot()).hasSize(2);
        }

        @Test
        void largeStreamedAndInMemoryStoresAgreeOnTheHash() throws Exception {
            byte[] data = random(3 * BlobStore.IN_MEMORY_BYTES + 17, 7);
            String streamed = store.put(new ByteArrayInputStream(data), data.length, "a/b");
            assertThat(streamed).isEqualTo(BlobHash.of(data));
            assertThat(store.get(streamed)).contains(data);
            assertThat(filesUnderRoot()).hasSize(2);
        }
    }

    @Nested
    class Queries {
        @Test
        void unknownHashesAreNotFound() throws Exception {
            assertThat(store.get(HELLO_HASH)).isEmpty();
            assertThat(store.open(HELLO_HASH)).isEmpty();
            assertThat(store.meta(HELLO_HASH)).isEmpty();
            assertThat(store.usage(HELLO_HASH)).isEmpty();
            assertThat(store.exists(HELLO_HASH)).isFalse();
            assertThat(store.delete(HELLO_HASH)).isFalse();
        }

        @Test
        void metaReportsMediaTypeAndSize() throws Exception {
            store.put(hello(), "text/plain");
            assertThat(store.meta(HELLO_HASH)).contains(new BlobMeta("text/plain", 11, CREATED));
        }

        @Test
        void existsBeforeAndAfterPutAndDelete() throws Exception {
            assertThat(store.exists(HELLO_HASH)).isFalse();
            store.put(hello(), "text/plain");
            assertThat(store.exists(HELLO_HASH)).isTrue();
            assertThat(store.delete(HELLO_HASH)).isTrue();
            assertThat(store.exists(HELLO_HASH)).isFalse();
            assertThat(store.get(HELLO_HASH)).isEmpty();
            assertThat(store.meta(HELLO_HASH)).isEmpty();
            assertThat(store.delete(HELLO_HASH)).as("second delete").isFalse();
            assertThat(filesUnderRoot()).isEmpty();
        }

        @Test
        void deleteLeavesAnOrphanSidecarAlone() throws Exception {
            store.put(hello(), "text/plain");
            Files.delete(store.dataPath(HELLO_HASH));
            assertThat(store.delete(HELLO_HASH)).isFalse();
            assertThat(store.metaPath(HELLO_HASH)).exists();
        }

        @Test
        void listReturnsExactlyTheStoredHashes() throws Exception {
            Set<String> stored = Set.of(store.put(hello(), "a"), store.put(new byte[0], "b"), store.put(random(300, 1), "c"));
            Files.writeString(root.resolve("not-a-shard"), "x");
            Files.createDirectories(root.resolve("zz"));
            Files.writeString(root.resolve("zz").resolve("4d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"), "x");
            Files.writeString(store.dataPath(HELLO_HASH).resolveSibling(".tmp.123"), "x");
            Files.writeString(store.dataPath(HELLO_HASH).resolveSibling("short"), "x");
            assertThat(store.list()).containsExactlyInAnyOrderElementsOf(stored);
        }

        @Test
        void aCorruptSidecarIsAnError() throws Exception {
            store.put(hello(), "text/plain");
            Files.writeString(store.metaPath(HELLO_HASH), "{not json");
            assertThatThrownBy(() -> store.meta(HELLO_HASH)).isInstanceOf(IOException.class).hasMessageContaining("corrupt");
        }
    }

    /**
     * BLOBS.md §3: an invalid hash is "not found" without touching the file system. The store's root
     * lies in a closed zip file system, where any access throws; a valid hash proves that.
     */
    @Nested
    class BadHashes {
        BlobStore untouchable;

        @BeforeEach
        void closedFileSystem() throws IOException {
            FileSystem zip = FileSystems.newFileSystem(dir.resolve("closed.zip"), Map.of("create", "true"));
            Path closedRoot = zip.getPath("/blobs");
            zip.close();
            untouchable = new BlobStore(closedRoot);
        }

        @Test
        void aValidHashDoesTouchTheFileSystem() {
            assertThatThrownBy(() -> untouchable.exists(HELLO_HASH)).isInstanceOf(ClosedFileSystemException.class);
        }

        @ParameterizedTest
        @ValueSource(strings = {"..", "../..", "%2e%2e%2f", "", "abc",
            "B94D27B9934D3E08A52E52D7DA7DABFAC484EFE37A5380EE9088F7ACE2EFCDE",
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde",
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9a",
            "x94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
            "../../../../../../../../../../../../../../../../../../../etc/pass",
            "b9/4d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde"})
        void invalidHashesAreNotFoundWithoutTouchingTheFileSystem(String hash) throws Exception {
            assertThat(untouchable.get(hash)).isEmpty();
            assertThat(untouchable.open(hash)).isEmpty();
            assertThat(untouchable.meta(hash)).isEmpty();
            assertThat(untouchable.usage(hash)).isEmpty();
            assertThat(untouchable.exists(hash)).isFalse();
            assertThat(untouchable.delete(hash)).isFalse();
        }

        @Test
        void uppercaseValidatesButNeverMatchesOnACaseSensitiveFileSystem() throws Exception {
            store.put(hello(), "text/plain");
            assertThat(store.exists(HELLO_HASH.toUpperCase())).isFalse();
            assertThat(store.get(HELLO_HASH.toUpperCase())).isEmpty();
        }
    }

    @Nested
    class Concurrency {
        ExecutorService pool = Executors.newFixedThreadPool(20);

        @AfterEach
        void stop() throws InterruptedException {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }

        List<String> runTogether(int writers, Callable<String> write) throws Exception {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < writers; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return write.call();
                }));
            }
            start.countDown();
            List<String> hashes = new ArrayList<>();
            for (Future<String> f : results) {
                hashes.add(f.get(30, TimeUnit.SECONDS));
            }
            return hashes;
        }

        @Test
        void twentyWritersOfTheSameSmallBlobAllSucceedWithOneFile() throws Exception {
            List<String> hashes = runTogether(20, () -> store.put(hello(), "text/plain"));
            assertThat(hashes).containsOnly(HELLO_HASH).hasSize(20);
            assertThat(filesUnderRoot()).hasSize(2);
            assertThat(store.get(HELLO_HASH)).contains(hello());
        }

        @Test
        void twentyWritersOfTheSameLargeBlobAllSucceedWithOneFile() throws Exception {
            byte[] data = random(BlobStore.IN_MEMORY_BYTES * 2, 3);
            List<String> hashes = runTogether(20, () -> store.put(new ByteArrayInputStream(data), data.length, "video/mp4"));
            assertThat(hashes).containsOnly(BlobHash.of(data)).hasSize(20);
            assertThat(filesUnderRoot()).hasSize(2);
            assertThat(store.get(hashes.get(0))).contains(data);
        }

        @Test
        void twentyWritersOfDifferentBlobsAllLand() throws Exception {
            java.util.concurrent.atomic.AtomicInteger seed = new java.util.concurrent.atomic.AtomicInteger();
            List<String> hashes = runTogether(20, () -> {
                int s = seed.incrementAndGet();
                byte[] data = random(s % 2 == 0 ? 1000 : BlobStore.IN_MEMORY_BYTES + 1000, s);
                String h = store.put(data, "application/octet-stream");
                assertThat(store.get(h)).contains(data);
                return h;
            });
            assertThat(Set.copyOf(hashes)).hasSize(20);
            assertThat(store.list()).containsExactlyInAnyOrderElementsOf(hashes);
            assertThat(filesUnderRoot()).hasSize(40);
        }
    }

    @Nested
    class InterruptedWrites {
        /** A source that writes half of {@code length} bytes and then fails, as a dropped socket does. */
        BlobStore.Source failingHalfWay(long length) {
            return sink -> {
                ByteBuffer half = ByteBuffer.wrap(random((int) (length / 2), 5));
                while (half.hasRemaining()) {
                    sink.write(half);
                }
                throw new java.io.EOFException("connection closed inside a frame");
            };
        }

        @ParameterizedTest
        @ValueSource(ints = {1000, 3 * 1024 * 1024})
        void aWriteThatFailsHalfWayLeavesNoBlobNoSidecarAndNoTempFile(int length) throws Exception {
            assertThatThrownBy(() -> store.put(length, "x", failingHalfWay(length)))
                    .isInstanceOf(java.io.EOFException.class);
            assertThat(store.list()).isEmpty();
            assertThat(filesUnderRoot()).isEmpty();
        }

        @Test
        void aSourceShorterThanAnnouncedStoresNothing() throws Exception {
            int length = BlobStore.IN_MEMORY_BYTES + 10;
            assertThatThrownBy(() -> store.put(length, "x", sink -> sink.write(ByteBuffer.wrap(new byte[10]))))
                    .isInstanceOf(IOException.class).hasMessageContaining("announced");
            assertThat(filesUnderRoot()).isEmpty();
        }

        @Test
        void tempFilesOfInterruptedWritesAreRemovedAtStartAndBlobsKept() throws Exception {
            store.put(hello(), "text/plain");
            Path shard = store.dataPath(HELLO_HASH).getParent();
            Files.writeString(root.resolve(".tmp.3f0c6d1e-0000-4000-8000-000000000000"), "half a blob");
            Files.writeString(shard.resolve(".tmp.3f0c6d1e-0000-4000-8000-000000000001"), "half a blob");
            Files.writeString(shard.resolve(".tmp.3f0c6d1e-0000-4000-8000-000000000001.meta"), "{");
            BlobStore.openForDaemon(root);
            assertThat(filesUnderRoot()).containsExactly(
                    "b9/4d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
                    "b9/4d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9.meta");
        }

        @Test
        void aStoreThatCannotWriteStillConsumesItsWholeSourceBeforeFailing() throws Exception {
            Files.writeString(root, "a file where the root directory should be");
            long length = 2L * BlobStore.IN_MEMORY_BYTES;
            long[] consumed = {0};
            assertThatThrownBy(() -> store.put(length, "x", sink -> {
                ByteBuffer chunk = ByteBuffer.allocate(8192);
                for (long left = length; left > 0; left -= 8192) {
                    chunk.clear();
                    consumed[0] += sink.write(chunk);
                }
            })).isInstanceOf(IOException.class);
            assertThat(consumed[0]).isEqualTo(length);
        }
    }

    /** Deferred blobs: served at once (from memory, or a temp file when large), in their place only once durable. */
    @Nested
    class Deferred {
        String dataFile = "b9/4d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

        @Test
        void aDeferredBlobIsServedAtOnceButNotInItsPlaceUntilCommitted() throws Exception {
            BlobStore.Deferral d = store.putDeferred(hello(), "text/plain");
            assertThat(d).isEqualTo(new BlobStore.Deferral(HELLO_HASH, true));
            assertThat(store.exists(HELLO_HASH)).isTrue();
            assertThat(store.get(HELLO_HASH)).contains(hello());
            assertThat(store.held(HELLO_HASH)).contains(hello());
            assertThat(store.meta(HELLO_HASH).map(BlobMeta::size)).contains(11L);
            assertThat(filesUnderRoot()).as("a small blob is held in memory: no file before it is durable").isEmpty();
            assertThat(new BlobStore(root).exists(HELLO_HASH)).as("another process sees nothing yet").isFalse();

            store.commitDeferred();
            assertThat(store.held(HELLO_HASH)).isEmpty();
            assertThat(filesUnderRoot()).containsExactly(dataFile, dataFile + ".meta");
            assertThat(new BlobStore(root).get(HELLO_HASH)).contains(hello());
            assertThat(Files.readString(root.resolve(dataFile + ".meta")))
                    .isEqualTo("{\"media_type\":\"text/plain\",\"size\":11,\"created_at\":\"2026-02-23T12:00:00.123456789Z\"}");
        }

        @Test
        void aHeldBlobAskedForAsAFileIsMadeDurableFirst() throws Exception {
            store.putDeferred(hello(), "text/plain");
            try (var ch = store.open(HELLO_HASH).orElseThrow()) {
                assertThat(ch.size()).isEqualTo(11);
            }
            assertThat(filesUnderRoot()).containsExactly(dataFile, dataFile + ".meta");
            store.commitDeferred();
            assertThat(filesUnderRoot()).containsExactly(dataFile, dataFile + ".meta");
        }

        @Test
        void aLargeDeferredBlobGoesToATempFileAtOnce() throws Exception {
            byte[] large = tooLargeToHold('x');
            String hash = store.putDeferred(large, "text/plain").hash();
            assertThat(store.held(hash)).isEmpty();
            try (var ch = store.open(hash).orElseThrow()) {
                assertThat(ch.size()).isEqualTo(large.length);
            }
            assertThat(filesUnderRoot()).as("only the temp file, never a blob under its hash before it is durable")
                    .singleElement().asString().startsWith(hash.substring(0, 2) + "/.tmp.");
            store.commitDeferred();
            assertThat(store.get(hash)).hasValueSatisfying(b -> assertThat(b).isEqualTo(large));
            assertThat(filesUnderRoot()).hasSize(2);
        }

        @Test
        void aSecondPutOfTheSameBytesCreatesNothing() throws Exception {
            assertThat(store.putDeferred(hello(), "text/plain").created()).isTrue();
            assertThat(store.putDeferred(hello(), "text/plain").created()).isFalse();
            store.commitDeferred();
            assertThat(store.putDeferred(hello(), "text/plain").created()).as("stored already").isFalse();
            assertThat(filesUnderRoot()).containsExactly(dataFile, dataFile + ".meta");
        }

        @Test
        void aDeferredBlobDeletedBeforeItsCommitNeverReachesItsPlace() throws Exception {
            store.putDeferred(hello(), "text/plain");
            assertThat(store.delete(HELLO_HASH)).isTrue();
            assertThat(store.exists(HELLO_HASH)).isFalse();
            store.commitDeferred();
            assertThat(filesUnderRoot()).isEmpty();
        }

        @Test
        void aDurablePutOfADeferredBlobMakesItDurableFirst() throws Exception {
            store.putDeferred(hello(), "text/plain");
            assertThat(store.put(hello(), "application/octet-stream")).isEqualTo(HELLO_HASH);
            assertThat(filesUnderRoot()).containsExactly(dataFile, dataFile + ".meta");
            assertThat(store.meta(HELLO_HASH).map(BlobMeta::mediaType)).as("the first media type wins").contains("text/plain");
        }

        @Test
        void theFirstBlobOfAShardMakesTheShardDirectory() throws Exception {
            assertThat(root).doesNotExist();
            store.putDeferred(hello(), "text/plain");
            store.commitDeferred();
            assertThat(store.get(HELLO_HASH)).contains(hello());
        }

        /** The store remembers shards it made; a gc that removes an emptied shard must not make that a lie. */
        @Test
        void aShardRemovedMeanwhileIsMadeAgainForItsNextBlob() throws Exception {
            store.putDeferred(hello(), "text/plain");
            store.commitDeferred();
            assertThat(store.delete(HELLO_HASH)).isTrue();
            Path shard = root.resolve(dataFile.substring(0, 2));
            Files.delete(shard); // what a gc does with an emptied shard

            assertThat(store.putDeferred(hello(), "text/plain").created()).isTrue();
            store.commitDeferred();
            assertThat(new BlobStore(root).get(HELLO_HASH)).contains(hello());

            assertThat(store.delete(HELLO_HASH)).isTrue();
            Files.delete(shard);
            assertThat(store.put(hello(), "text/plain")).as("the durable put too").isEqualTo(HELLO_HASH);
            assertThat(new BlobStore(root).get(HELLO_HASH)).contains(hello());
        }

        /** The blind put (an output's manifest): held at once without looking on disk; the commit keeps a stored copy. */
        @Test
        void aBlindPutHoldsTheBlobAndItsCommitKeepsACopyStoredBefore() throws Exception {
            assertThat(store.putDeferredBlind(hello(), "text/plain")).isEqualTo(new BlobStore.Deferral(HELLO_HASH, true));
            assertThat(store.held(HELLO_HASH)).contains(hello());
            assertThat(filesUnderRoot()).as("nothing on disk before the commit").isEmpty();
            assertThat(store.putDeferredBlind(hello(), "text/plain").created()).as("held already").isFalse();
            store.commitDeferred();
            assertThat(filesUnderRoot()).containsExactly(dataFile, dataFile + ".meta");
            String meta = Files.readString(root.resolve(dataFile + ".meta"));

            BlobStore later = new BlobStore(root, Clock.fixed(CREATED.plusSeconds(60), ZoneOffset.UTC));
            assertThat(later.putDeferredBlind(hello(), "application/octet-stream").created())
                    .as("not looked up on disk: new to the held blobs").isTrue();
            assertThat(later.meta(HELLO_HASH)).as("the stored sidecar, not the held one's media type")
                    .contains(new BlobMeta("text/plain", 11, CREATED));
            later.commitDeferred();
            assertThat(later.held(HELLO_HASH)).isEmpty();
            assertThat(filesUnderRoot()).containsExactly(dataFile, dataFile + ".meta");
            assertThat(Files.readString(root.resolve(dataFile + ".meta"))).as("the stored copy and its sidecar are kept")
                    .isEqualTo(meta);
        }

        @Test
        void aBlindPutIntoAStoreThatCannotBeWrittenFailsAtOnce() throws Exception {
            Path notADirectory = dir.resolve("file");
            Files.writeString(notADirectory, "x");
            BlobStore broken = new BlobStore(notADirectory);
            assertThatThrownBy(() -> broken.putDeferredBlind(hello(), "text/plain")).isInstanceOf(IOException.class);
            assertThat(broken.held(HELLO_HASH)).isEmpty();
        }

        /** A fresh store's first outputs make no shard directory on their way: the commit does. */
        @Test
        void aBlindPutMakesNoShardDirectoryUntilItsCommit() throws Exception {
            store.putDeferred("first".getBytes(StandardCharsets.UTF_8), "text/plain");
            store.commitDeferred();
            Set<String> before = Set.copyOf(filesUnderRoot());
            store.putDeferredBlind(hello(), "text/plain");
            assertThat(root.resolve(dataFile.substring(0, 2))).doesNotExist();
            assertThat(Set.copyOf(filesUnderRoot())).isEqualTo(before);
            store.commitDeferred();
            assertThat(new BlobStore(root).get(HELLO_HASH)).contains(hello());
        }

        /** A shard its commit could not write into is asked about again: the next blind put there fails at once. */
        @Test
        void aShardWhoseCommitFailedIsCheckedAgainAtTheNextBlindPut() throws Exception {
            store.putDeferredBlind("first".getBytes(StandardCharsets.UTF_8), "text/plain");
            store.commitDeferred();
            byte[][] sameShard = twoBlobsInOneShard();
            String shard = BlobHash.of(sameShard[0]).substring(0, 2);
            Files.writeString(root.resolve(shard), "not a directory");

            String lost = store.putDeferredBlind(sameShard[0], "text/plain").hash();
            store.commitDeferred();
            assertThat(store.exists(lost)).as("its commit failed (logged), as after a crash").isFalse();
            assertThatThrownBy(() -> store.putDeferredBlind(sameShard[1], "text/plain")).isInstanceOf(IOException.class);

            Files.delete(root.resolve(shard));
            String stored = store.putDeferredBlind(sameShard[1], "text/plain").hash();
            store.commitDeferred();
            assertThat(new BlobStore(root).get(stored)).contains(sameShard[1]);
        }

        /** A blob one byte too large to be held in memory while deferred. */
        static byte[] tooLargeToHold(char fill) {
            byte[] large = new byte[BlobStore.IN_MEMORY_BYTES + 1];
            Arrays.fill(large, (byte) fill);
            return large;
        }

        /** A read-only remount fails every shard: after one failed commit, each shard is asked about again. */
        @Test
        void afterAFailedCommitEveryShardIsAskedAboutAgain() throws Exception {
            store.putDeferredBlind("first".getBytes(StandardCharsets.UTF_8), "text/plain");
            store.commitDeferred();
            byte[] a = "blob a".getBytes(StandardCharsets.UTF_8);
            byte[] b = otherShardThan(a);
            Files.writeString(root.resolve(BlobHash.of(a).substring(0, 2)), "not a directory");
            Files.writeString(root.resolve(BlobHash.of(b).substring(0, 2)), "not a directory");

            store.putDeferredBlind(a, "text/plain");
            store.commitDeferred(); // fails (logged)
            assertThatThrownBy(() -> store.putDeferredBlind(b, "text/plain")).as("another shard, never failed itself")
                    .isInstanceOf(IOException.class);
        }

        /** A small blob whose shard differs from {@code other}'s. */
        static byte[] otherShardThan(byte[] other) {
            String shard = BlobHash.of(other).substring(0, 2);
            for (int i = 0; ; i++) {
                byte[] b = ("other " + i).getBytes(StandardCharsets.UTF_8);
                if (!BlobHash.of(b).startsWith(shard)) {
                    return b;
                }
            }
        }

        /** Two different small blobs whose hashes share their shard. */
        static byte[][] twoBlobsInOneShard() {
            Map<String, byte[]> byShard = new java.util.HashMap<>();
            for (int i = 0; ; i++) {
                byte[] b = ("blob " + i).getBytes(StandardCharsets.UTF_8);
                byte[] other = byShard.putIfAbsent(BlobHash.of(b).substring(0, 2), b);
                if (other != null) {
                    return new byte[][] {other, b};
                }
            }
        }

        @Test
        void aLargeBlindPutGoesToATempFileAsAnyLargeDeferredBlob() throws Exception {
            byte[] large = tooLargeToHold('y');
            String hash = store.putDeferredBlind(large, "text/plain").hash();
            assertThat(store.held(hash)).isEmpty();
            assertThat(filesUnderRoot()).singleElement().asString().startsWith(hash.substring(0, 2) + "/.tmp.");
            store.commitDeferred();
            assertThat(new BlobStore(root).get(hash)).hasValueSatisfying(b -> assertThat(b).isEqualTo(large));
        }

        @Test
        void aCrashBeforeTheCommitLeavesOnlyATempFileThatTheNextStartRemoves() throws Exception {
            store.putDeferred(hello(), "text/plain");
            // the daemon dies here; the next one cleans up before it serves
            BlobStore next = BlobStore.openForDaemon(root);
            assertThat(filesUnderRoot()).isEmpty();
            assertThat(next.exists(HELLO_HASH)).isFalse();
        }
    }
}
