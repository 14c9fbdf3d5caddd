package io.runtimed.outputs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * KERNELS.md §8.1: where one piece of an output's content lives, untagged in the manifest:
 * {@code {"inline":"<text>"}} or {@code {"blob":"<64-hex>","size":<bytes>}}.
 */
sealed interface ContentRef permits ContentRef.Inline, ContentRef.Blob {
    /** §8.1: text of fewer UTF-8 bytes than this stays inline. */
    int INLINE_LIMIT = 8192;
    /** §8.1: the media type of stream text blobs. */
    String TEXT_PLAIN = "text/plain";
    /** §8.1: the media type of traceback blobs. */
    String APPLICATION_JSON = "application/json";

    /** Writes this ref's object as the generator's next value. */
    void write(JsonGenerator g) throws IOException;

    record Inline(String text) implements ContentRef {
        @Override
        public void write(JsonGenerator g) throws IOException {
            g.writeStartObject();
            g.writeStringField("inline", text);
            g.writeEndObject();
        }
    }

    record Blob(String hash, long size) implements ContentRef {
        @Override
        public void write(JsonGenerator g) throws IOException {
            g.writeStartObject();
            g.writeStringField("blob", hash);
            g.writeNumberField("size", size);
            g.writeEndObject();
        }
    }

    /** §8.1: inline below {@link #INLINE_LIMIT} UTF-8 bytes, else a blob of {@code mediaType}. */
    static ContentRef of(String text, String mediaType, OutputBlobs.Session blobs) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < INLINE_LIMIT) {
            return new Inline(text);
        }
        return new Blob(blobs.put(bytes, mediaType), bytes.length);
    }

    /**
     * §8.1: the text a data bundle value is stored as: a JSON string is its own text (so an
     * {@code image/png} blob holds the base64 text), anything else its compact JSON.
     */
    static String bundleText(JsonNode value) {
        return value.isTextual() ? value.textValue() : OutputJson.compact(value);
    }
}
