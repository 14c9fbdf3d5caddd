package io.runtimed.rooms;

/**
 * Walks the chunks of an Automerge file (a saved document followed by appended change chunks):
 * each is the magic {@code 85 6f 4a 83}, a 4-byte checksum, a type byte, a uLEB128 length and
 * that many bytes. An append cut short by a crash leaves an incomplete last chunk, which Automerge
 * refuses to load; {@link #completePrefix} finds where the complete chunks end so the file can be
 * cut back to what was fsynced (and so acknowledged).
 */
final class AutomergeChunks {
    private static final byte[] MAGIC = {(byte) 0x85, 0x6f, 0x4a, (byte) 0x83};
    private static final int HEADER_FIXED = 4 + 4 + 1;

    private AutomergeChunks() {
    }

    /** The length of the longest prefix of {@code bytes} made of whole, well-framed chunks. */
    static int completePrefix(byte[] bytes) {
        int at = 0;
        while (at < bytes.length) {
            int end = chunkEnd(bytes, at);
            if (end < 0) {
                break;
            }
            at = end;
        }
        return at;
    }

    /** The end of the chunk starting at {@code at}, or -1 when it is not a whole chunk. */
    private static int chunkEnd(byte[] bytes, int at) {
        if (bytes.length - at < HEADER_FIXED + 1) {
            return -1;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[at + i] != MAGIC[i]) {
                return -1;
            }
        }
        int p = at + HEADER_FIXED;
        long length = 0;
        int shift = 0;
        while (true) {
            if (p >= bytes.length || shift > 35) {
                return -1;
            }
            int b = bytes[p++] & 0xff;
            length |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
        }
        long end = p + length;
        return end > bytes.length ? -1 : (int) end;
    }
}
