package io.runtimed.protocol;

/**
 * BLOBS.md §1 and §3: a blob's name is the SHA-256 of its bytes as 64 lowercase hex characters.
 * Every hash that arrives from outside is checked here before any path is built from it, which is
 * also what keeps {@code ..} and friends out of the file system.
 */
public final class BlobHash {
    /** Characters in a hash. */
    public static final int LENGTH = 64;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private BlobHash() {
    }

    /**
     * BLOBS.md §3: exactly 64 ASCII hex digits. Uppercase passes (as in the reference) but never
     * names a stored file on a case-sensitive file system.
     */
    public static boolean isValid(String hash) {
        if (hash == null || hash.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            char c = hash.charAt(i);
            boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!hex) {
                return false;
            }
        }
        return true;
    }

    /** Lowercase hex of a digest. */
    public static String hex(byte[] digest) {
        char[] out = new char[digest.length * 2];
        for (int i = 0; i < digest.length; i++) {
            out[2 * i] = HEX[(digest[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[digest[i] & 0xf];
        }
        return new String(out);
    }
}
