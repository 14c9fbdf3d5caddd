package io.runtimed.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.automerge.ChangeHash;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The heads prefix of Automerge sync messages, read off messages the binding really generates. */
class SyncMessageHeadsTest {
    private final List<Document> docs = new ArrayList<>();
    private final List<SyncState> states = new ArrayList<>();

    @AfterEach
    void free() {
        docs.forEach(Document::free);
        states.forEach(SyncState::free);
    }

    private Document doc() {
        Document d = new Document();
        docs.add(d);
        return d;
    }

    private static void put(Document d, String key, String value) {
        try (Transaction tx = d.startTransaction()) {
            tx.set(ObjectId.ROOT, key, value);
            tx.commit();
        }
    }

    /** The first message {@code d} generates for a new peer. */
    private byte[] firstMessage(Document d) {
        SyncState s = new SyncState();
        states.add(s);
        return d.generateSyncMessage(s).orElseThrow();
    }

    private static List<String> hex(ChangeHash[] hashes) {
        return Stream.of(hashes).map(h -> java.util.HexFormat.of().formatHex(h.getBytes())).sorted().toList();
    }

    /** A document with two concurrent heads: two actors' changes merged, neither on top of the other. */
    private Document withTwoHeads() {
        Document a = doc();
        Document b = doc();
        put(a, "from_a", "1");
        put(b, "from_b", "2");
        a.merge(b);
        assertThat(a.getHeads()).hasSize(2);
        return a;
    }

    @Nested
    class RealMessages {
        @Test
        void anEmptyDocumentAnnouncesNoHeads() {
            byte[] m = firstMessage(doc());
            assertThat(m[0]).isEqualTo((byte) SyncMessageHeads.MESSAGE_V1);
            assertThat(SyncMessageHeads.read(m)).hasValueSatisfying(h -> assertThat(h).isEmpty());
        }

        @Test
        void aMessageAnnouncesItsSendersHeads() {
            Document d = doc();
            put(d, "theme", "dark");
            put(d, "theme", "light");
            assertThat(SyncMessageHeads.read(firstMessage(d)).map(SyncMessageHeadsTest::hex))
                    .contains(hex(d.getHeads()));
        }

        @Test
        void concurrentHeadsAreAllAnnounced() {
            Document d = withTwoHeads();
            assertThat(SyncMessageHeads.read(firstMessage(d)).map(SyncMessageHeadsTest::hex))
                    .contains(hex(d.getHeads()));
        }

        @Test
        void everyMessageOfAnExchangeAnnouncesTheHeadsItsSenderHadThen() {
            Document daemon = withTwoHeads();
            Document client = doc();
            put(client, "local", "x");
            SyncState ds = new SyncState();
            SyncState cs = new SyncState();
            states.add(ds);
            states.add(cs);
            int messages = 0;
            for (int round = 0; round < 10; round++) {
                Optional<byte[]> toClient = daemon.generateSyncMessage(ds);
                if (toClient.isPresent()) {
                    messages++;
                    assertThat(SyncMessageHeads.read(toClient.get()).map(SyncMessageHeadsTest::hex))
                            .contains(hex(daemon.getHeads()));
                    client.receiveSyncMessage(cs, toClient.get());
                }
                Optional<byte[]> toDaemon = client.generateSyncMessage(cs);
                if (toDaemon.isPresent()) {
                    messages++;
                    assertThat(SyncMessageHeads.read(toDaemon.get()).map(SyncMessageHeadsTest::hex))
                            .contains(hex(client.getHeads()));
                    daemon.receiveSyncMessage(ds, toDaemon.get());
                }
                if (toClient.isEmpty() && toDaemon.isEmpty()) {
                    break;
                }
            }
            assertThat(messages).isGreaterThanOrEqualTo(3);
            assertThat(hex(client.getHeads())).isEqualTo(hex(daemon.getHeads()));
        }

        @Test
        void aVersionTwoMessageHasTheSamePrefix() {
            Document d = doc();
            put(d, "k", "v");
            byte[] m = firstMessage(d).clone();
            m[0] = (byte) SyncMessageHeads.MESSAGE_V2;
            assertThat(SyncMessageHeads.read(m).map(SyncMessageHeadsTest::hex)).contains(hex(d.getHeads()));
        }

        @Test
        void theHeadsReadWorkWithTheBindingsOwnCalls() {
            Document d = doc();
            put(d, "k", "v");
            ChangeHash[] heads = SyncMessageHeads.read(firstMessage(d)).orElseThrow();
            assertThat(d.encodeChangesSince(heads)).as("nothing beyond its own heads").isEmpty();
            put(d, "k", "w");
            assertThat(d.encodeChangesSince(heads)).as("the change made since").isNotEmpty();
        }

        /**
         * Measured, and relied on by the acknowledgement rule: the binding ignores heads it does not
         * hold (no exception), so an announcement ahead of this replica never reads as "stored".
         */
        @Test
        void theBindingIgnoresHeadsItDoesNotHold() {
            Document other = doc();
            put(other, "elsewhere", "1");
            ChangeHash[] unknown = SyncMessageHeads.read(firstMessage(other)).orElseThrow();
            Document d = doc();
            assertThat(d.encodeChangesSince(unknown)).as("an empty replica has nothing to store").isEmpty();
            put(d, "local", "1");
            assertThat(d.encodeChangesSince(unknown)).isEqualTo(d.encodeChangesSince(new ChangeHash[0]));
            ChangeHash[] mixed = Stream.concat(Stream.of(unknown),
                    Stream.of(SyncMessageHeads.read(firstMessage(d)).orElseThrow())).toArray(ChangeHash[]::new);
            assertThat(d.encodeChangesSince(mixed)).as("the known head still counts").isEmpty();
        }
    }

    @Nested
    class BadInput {
        @Test
        void everyTruncatedPrefixIsNoAnnouncement() {
            Document d = withTwoHeads();
            byte[] m = firstMessage(d);
            int prefix = 1 + 1 + 2 * SyncMessageHeads.HASH_BYTES;
            for (int len = 0; len < prefix; len++) {
                assertThat(SyncMessageHeads.read(Arrays.copyOf(m, len))).as("first %d bytes", len).isEmpty();
            }
            assertThat(SyncMessageHeads.read(Arrays.copyOf(m, prefix))).as("the prefix alone is enough").isPresent();
        }

        @ParameterizedTest
        @ValueSource(ints = {0x00, 0x41, 0x44, 0x85, 0xff, 'n'})
        void anotherTypeByteIsNoAnnouncement(int type) {
            Document d = doc();
            put(d, "k", "v");
            byte[] m = firstMessage(d).clone();
            m[0] = (byte) type;
            assertThat(SyncMessageHeads.read(m)).isEmpty();
        }

        @Test
        void nullAndEmptyAreNoAnnouncement() {
            assertThat(SyncMessageHeads.read(null)).isEmpty();
            assertThat(SyncMessageHeads.read(new byte[0])).isEmpty();
            assertThat(SyncMessageHeads.read(new byte[] {0x42})).isEmpty();
        }

        @Test
        void aCountTheMessageCannotHoldIsNoAnnouncement() {
            assertThat(SyncMessageHeads.read(message(0x42, leb128(2), new byte[32]))).isEmpty();
            assertThat(SyncMessageHeads.read(message(0x42, leb128(1), new byte[31]))).isEmpty();
            assertThat(SyncMessageHeads.read(message(0x42, leb128(Long.MAX_VALUE), new byte[64]))).isEmpty();
            assertThat(SyncMessageHeads.read(message(0x42, leb128(-1L), new byte[64]))).as("u64 max").isEmpty();
        }

        @Test
        void aCountThatNeverEndsOrOverflowsIsNoAnnouncement() {
            byte[] endless = new byte[11];
            Arrays.fill(endless, (byte) 0x80);
            assertThat(SyncMessageHeads.read(message(0x42, endless, new byte[64]))).isEmpty();
            byte[] tooWide = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                    (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x02};
            assertThat(SyncMessageHeads.read(message(0x42, tooWide, new byte[64]))).isEmpty();
            assertThat(SyncMessageHeads.read(message(0x42, new byte[] {(byte) 0x81}, new byte[0])))
                    .as("continuation bit on the last byte").isEmpty();
        }

        @Test
        void aCountOfSeveralLeb128BytesIsRead() {
            byte[] hashes = new byte[130 * 32];
            new Random(7).nextBytes(hashes);
            Optional<ChangeHash[]> heads = SyncMessageHeads.read(message(0x43, leb128(130), hashes));
            assertThat(heads).hasValueSatisfying(h -> {
                assertThat(h).hasSize(130);
                assertThat(h[129].getBytes()).isEqualTo(Arrays.copyOfRange(hashes, 129 * 32, 130 * 32));
            });
            assertThat(SyncMessageHeads.read(message(0x42, new byte[] {(byte) 0x81, 0x00}, new byte[32])))
                    .as("a padded count is still a count").hasValueSatisfying(h -> assertThat(h).hasSize(1));
        }

        @Test
        void randomBytesNeverThrowAndNeverYieldAShortHash() {
            Random random = new Random(20240612);
            for (int i = 0; i < 20_000; i++) {
                byte[] m = new byte[random.nextInt(200)];
                random.nextBytes(m);
                if (m.length > 0 && random.nextBoolean()) {
                    m[0] = (byte) (random.nextBoolean() ? 0x42 : 0x43);
                }
                Optional<ChangeHash[]> heads = SyncMessageHeads.read(m);
                heads.ifPresent(h -> {
                    assertThat(1 + 1 + h.length * 32).isLessThanOrEqualTo(m.length);
                    for (ChangeHash hash : h) {
                        assertThat(hash.getBytes()).hasSize(32);
                    }
                });
            }
        }

        private static byte[] message(int type, byte[] count, byte[] rest) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(type);
            out.writeBytes(count);
            out.writeBytes(rest);
            return out.toByteArray();
        }

        /** Unsigned LEB128 of {@code value} read as a u64. */
        private static byte[] leb128(long value) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            do {
                int b = (int) (value & 0x7f);
                value >>>= 7;
                out.write(value != 0 ? b | 0x80 : b);
            } while (value != 0);
            return out.toByteArray();
        }
    }
}
