package io.runtimed.blob;

import io.netty.handler.codec.DateFormatter;
import java.util.Date;

/**
 * The {@code Date} header every answer carries (BLOBS.md §5: "the HTTP library adds … date"),
 * formatted at most once a second rather than once a request.
 */
final class HttpDate {
    private record Formatted(long second, String text) {
    }

    private static volatile Formatted last = new Formatted(Long.MIN_VALUE, "");

    private HttpDate() {
    }

    /** Now as an IMF-fixdate (RFC 9110 §5.6.7), e.g. {@code Sat, 05 Dec 2026 19:00:22 GMT}. */
    static String now() {
        long millis = System.currentTimeMillis();
        long second = millis / 1000;
        Formatted f = last;
        if (f.second() != second) {
            f = new Formatted(second, DateFormatter.format(new Date(second * 1000)));
            last = f;
        }
        return f.text();
    }
}
