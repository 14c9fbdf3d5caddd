package io.runtimed.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Jackson's streaming API set up as {@link Json}'s mapper writes, for the few messages that a cold
 * process reads or writes first ({@link PoolWire}, {@link DaemonInfoFile}): the mapper's first use
 * costs over 100 ms, this about 10. Readers take a payload as plain maps, lists and scalars and
 * pick typed fields out of them; a field of another type throws, and the caller hands the payload
 * to the mapper, which reads it or explains what is wrong with it.
 */
final class StreamingJson {
    /** The same output features as {@link Json}'s mapper. */
    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
            .build();

    private StreamingJson() {
    }

    /** serde_json's pretty form: 2-space indent, {@code "key": value}, {@code {}} and {@code []} when empty. */
    static DefaultPrettyPrinter prettyPrinter() {
        DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        Separators separators = Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator("");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter().withSeparators(separators);
        printer.indentObjectsWith(indenter);
        printer.indentArraysWith(indenter);
        return printer;
    }

    /** The fields of one object, written between its braces. */
    interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    /** One compact object. */
    static byte[] write(Fields fields) {
        return write(fields, false);
    }

    /** One object, compact or in the pretty form. */
    static byte[] write(Fields fields, boolean pretty) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            if (pretty) {
                g.setPrettyPrinter(prettyPrinter());
            }
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The payload's one object, or an exception for anything else (trailing tokens included). */
    static Map<String, Object> readObject(byte[] payload) throws IOException {
        try (JsonParser p = FACTORY.createParser(payload)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not an object");
            }
            Map<String, Object> object = readFields(p);
            if (p.nextToken() != null) {
                throw new IOException("trailing tokens");
            }
            return object;
        }
    }

    /**
     * An object's fields; a repeated key is left to the mapper. (Nesting is bounded by the parser's
     * StreamReadConstraints, 1000 levels, so this recursion cannot overflow the stack.)
     */
    private static Map<String, Object> readFields(JsonParser p) throws IOException {
        Map<String, Object> fields = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            if (fields.put(name, readValue(p)) != null) {
                throw new IOException("repeated key");
            }
        }
        return fields;
    }

    private static Object readValue(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            return readFields(p);
        } else if (t == JsonToken.START_ARRAY) {
            List<Object> items = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                items.add(readValue(p));
            }
            return items;
        } else if (t == JsonToken.VALUE_STRING) {
            return p.getText();
        } else if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
            return p.getNumberValue();
        } else if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
            return t == JsonToken.VALUE_TRUE;
        } else if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        throw new IOException("a value this reader leaves to the mapper: " + t);
    }

    static Map<String, Object> object(Map<String, Object> m, String key) {
        return object(m.get(key));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object value) {
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException("object expected");
        }
        return (Map<String, Object>) value;
    }

    static String string(Map<String, Object> m, String key) {
        if (m.get(key) instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(key);
    }

    static String optionalString(Map<String, Object> m, String key) {
        return m.get(key) == null ? null : string(m, key);
    }

    static int integer(Map<String, Object> m, String key) {
        if (m.get(key) instanceof Integer i) {
            return i;
        }
        throw new IllegalArgumentException(key);
    }

    static Integer optionalInteger(Map<String, Object> m, String key) {
        return m.get(key) == null ? null : integer(m, key);
    }

    static long longInteger(Map<String, Object> m, String key) {
        Object value = m.get(key);
        if (value instanceof Integer || value instanceof Long) {
            return ((Number) value).longValue();
        }
        throw new IllegalArgumentException(key);
    }

    static boolean bool(Map<String, Object> m, String key) {
        if (m.get(key) instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException(key);
    }
}
