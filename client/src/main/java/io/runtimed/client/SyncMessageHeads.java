package io.runtimed.client;

import java.util.Arrays;
import java.util.Optional;
import org.automerge.ChangeHash;

/**
 * Reads the heads a sync message announces: the sender's heads when it generated the message.
 * The JVM binding (0.0.7) decodes sync messages only inside {@code receiveSyncMessage} and tells
 * nothing of what it read, so the acknowledgement rule reads the fixed prefix itself:
 *
 * <pre>
 *   type byte      0x42 (v1) or 0x43 (v2)
 *   heads count    LEB128, unsigned
 *   heads          count × 32-byte change hash
 *   ...            need, have, changes (v2: capabilities): not read here
 * </pre>
 *
 * Anything else (an unknown type, a truncated prefix, a count the message cannot hold) is "no
 * announcement": this never throws, because it runs on the client's reader thread after Automerge
 * has already accepted the message.
 */
final class SyncMessageHeads {
    static final int MESSAGE_V1 = 0x42;
    static final int MESSAGE_V2 = 0x43;
    static final int HASH_BYTES = 32;
    /** A u64 takes at most 10 LEB128 bytes. */
    private static final int MAX_LEB128_BYTES = 10;

    private SyncMessageHeads() {
    }

    /** The announced heads (possibly none, for an empty document), or empty when the prefix does not decode. */
    static Optional<ChangeHash[]> read(byte[] message) {
        if (message == null || message.length < 2) {
            return Optional.empty();
        }
        int type = message[0] & 0xff;
        if (type != MESSAGE_V1 && type != MESSAGE_V2) {
            return Optional.empty();
        }
        int at = 1;
        long count = 0;
        int shift = 0;
        while (true) {
            if (at >= message.length || at - 1 >= MAX_LEB128_BYTES) {
                return Optional.empty();
            }
            int b = message[at++] & 0xff;
            if (shift == 63 && (b & 0x7f) > 1) {
                return Optional.empty(); // more than 64 bits
            }
            count |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
        }
        // count < 0 is a u64 above Long.MAX_VALUE: no message holds that many
        if (count < 0 || count > (message.length - at) / HASH_BYTES) {
            return Optional.empty();
        }
        ChangeHash[] heads = new ChangeHash[(int) count];
        for (int i = 0; i < heads.length; i++) {
            heads[i] = new AnnouncedHash(Arrays.copyOfRange(message, at, at + HASH_BYTES));
            at += HASH_BYTES;
        }
        return Optional.of(heads);
    }

    /**
     * A change hash read off the wire. The binding's constructor is protected (hashes normally come
     * out of a document), so this subclass is how one is made from bytes; the native side reads
     * only the bytes. {@link ChangeHash#equals} compares classes, so compare {@code getBytes()}
     * with hashes from a document. Always exactly 32 bytes: the binding aborts the whole process on
     * a hash of another length.
     */
    private static final class AnnouncedHash extends ChangeHash {
        AnnouncedHash(byte[] hash) {
            super(hash);
        }
    }
}
