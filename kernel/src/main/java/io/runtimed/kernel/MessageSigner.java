package io.runtimed.kernel;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 over a message's header, parent header, metadata and content, in that order, as
 * lowercase hex (Jupyter messaging "The Wire Protocol"). Not thread-safe: each I/O thread owns one.
 */
final class MessageSigner {
    private static final String ALGORITHM = "HmacSHA256";
    private static final HexFormat HEX = HexFormat.of();

    private final Mac mac;

    MessageSigner(String key) {
        try {
            mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), ALGORITHM));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /** The hex signature of the four JSON parts. */
    byte[] sign(byte[] header, byte[] parentHeader, byte[] metadata, byte[] content) {
        mac.update(header);
        mac.update(parentHeader);
        mac.update(metadata);
        mac.update(content);
        return HEX.formatHex(mac.doFinal()).getBytes(StandardCharsets.US_ASCII);
    }

    /** Compares in constant time, so the time taken tells an attacker nothing about the right signature. */
    boolean verify(byte[] signature, byte[] header, byte[] parentHeader, byte[] metadata, byte[] content) {
        return MessageDigest.isEqual(signature, sign(header, parentHeader, metadata, content));
    }
}
