package io.runtimed.blob;

import java.util.Optional;

/**
 * One byte range of a {@code Range} header (RFC 9110 §14.1.2), resolved against the blob's size:
 * {@code bytes=a-b}, {@code bytes=a-} and {@code bytes=-n}. Several ranges, other units and
 * malformed values are ignored (the whole blob is sent), as the RFC allows a server to do.
 */
public record ByteRange(long first, long last) {

    /** Bytes in the range. */
    public long length() {
        return last - first + 1;
    }

    /** {@code bytes a-b/size}, the Content-Range of a 206. */
    public String contentRange(long size) {
        return "bytes " + first + "-" + last + "/" + size;
    }

    /** {@code bytes *}/size, the Content-Range of a 416. */
    public static String unsatisfiedContentRange(long size) {
        return "bytes */" + size;
    }

    /** The outcome of reading a Range header. */
    public sealed interface Parsed {
        /** No usable Range header: send the whole blob with 200. */
        record Whole() implements Parsed {
        }

        /** Send this part with 206. */
        record Part(ByteRange range) implements Parsed {
        }

        /** A valid range that lies outside the blob: 416. */
        record Unsatisfiable() implements Parsed {
        }
    }

    /** Reads {@code header} (null when absent) for a blob of {@code size} bytes. */
    public static Parsed parse(String header, long size) {
        if (header == null) {
            return new Parsed.Whole();
        }
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            return new Parsed.Whole();
        }
        String spec = h.substring(6).trim();
        if (spec.indexOf(',') >= 0) {
            return new Parsed.Whole();
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return new Parsed.Whole();
        }
        String a = spec.substring(0, dash).trim();
        String b = spec.substring(dash + 1).trim();
        Optional<Long> first = number(a);
        Optional<Long> last = number(b);
        if (a.isEmpty()) {
            // bytes=-n: the last n bytes
            if (last.isEmpty()) {
                return new Parsed.Whole();
            }
            long n = last.get();
            if (n == 0 || size == 0) {
                return new Parsed.Unsatisfiable();
            }
            return new Parsed.Part(new ByteRange(Math.max(0, size - n), size - 1));
        }
        if (first.isEmpty() || (!b.isEmpty() && last.isEmpty())) {
            return new Parsed.Whole();
        }
        long from = first.get();
        if (last.isPresent() && last.get() < from) {
            return new Parsed.Whole(); // invalid range-spec: ignored (RFC 9110 §14.1.1)
        }
        if (from >= size) {
            return new Parsed.Unsatisfiable();
        }
        long to = last.isEmpty() ? size - 1 : Math.min(last.get(), size - 1);
        return new Parsed.Part(new ByteRange(from, to));
    }

    private static Optional<Long> number(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return Optional.empty();
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return Optional.empty();
            }
        }
        return Optional.of(Long.parseLong(s));
    }
}
