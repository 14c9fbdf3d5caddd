package io.runtimed.protocol;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * BLOBS.md §1 and §3: a blob's name is the SHA-256 of its bytes as 64 lowercase hex characters.
 * The one definition of that name: how it is computed, and what counts as one. Every hash that
 * arrives from outside is checked here before any path is built from it, which is also what keeps
 * {@code ..} and friends out of the file system.
 */
public final class BlobHash {
    /** Characters in a hash. */
    public static final int LENGTH = 64;
    /** BLOBS.md §1: the first two characters name the shard directory, the other 62 the file. */
    public static final int SHARD_LENGTH = 2;

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    /**
     * Never updated, only cloned: {@code MessageDigest.getInstance} looks the algorithm up among
     * the providers and makes the instance by reflection each time, which cost more than hashing
     * an output manifest.
     */
    private static final MessageDigest PROTOTYPE = lookUpDigest();

    private BlobHash() {
    }

    /**
     * BLOBS.md §3: exactly 64 ASCII hex digits. Uppercase passes (as in the reference) but never
     * names a stored file on a case-sensitive file system.
     */
    public static boolean isValid(String hash) {
        return hash != null && hash.length() == LENGTH && isHex(hash);
    }

    /** A shard directory's name: the first {@link #SHARD_LENGTH} characters of a valid hash. */
    public static boolean isShard(String name) {
        return name != null && name.length() == SHARD_LENGTH && isHex(name);
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!hex) {
                return false;
            }
        }
        return true;
    }

    /** The hash of {@code data}. */
    public static String of(byte[] data) {
        return hex(newDigest().digest(data));
    }

    /** A fresh SHA-256 digest, for data hashed as it streams; {@link #hex} names its result. */
    public static MessageDigest newDigest() {
        try {
            return (MessageDigest) PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            return lookUpDigest(); // a provider whose SHA-256 cannot be cloned
        }
    }

    private static MessageDigest lookUpDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
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
