package io.runtimed.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * One binary buffer of a comm message or comm snapshot. KERNELS.md §3: on the wire a JSON array of
 * byte values 0–255 ({@code [137,80]}), never base64 (serde's {@code Vec<u8>}); the frontend does
 * {@code new Uint8Array(arr)}. Anything but an array of integers in that range fails the parse.
 */
@JsonSerialize(using = CommBuffer.AsByteValues.class)
@JsonDeserialize(using = CommBuffer.FromByteValues.class)
public final class CommBuffer {
    private final byte[] bytes;

    private CommBuffer(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A buffer holding a copy of {@code bytes}. */
    public static CommBuffer of(byte[] bytes) {
        return new CommBuffer(Objects.requireNonNull(bytes, "bytes").clone());
    }

    /** A buffer from byte values 0–255, as they stand in the JSON. */
    public static CommBuffer ofValues(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] > 255) {
                throw new IllegalArgumentException("byte value out of range 0-255: " + values[i]);
            }
            bytes[i] = (byte) values[i];
        }
        return new CommBuffer(bytes);
    }

    /** A copy of the bytes. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CommBuffer other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "CommBuffer[" + bytes.length + " bytes]";
    }

    static final class AsByteValues extends StdSerializer<CommBuffer> {
        AsByteValues() {
            super(CommBuffer.class);
        }

        @Override
        public void serialize(CommBuffer value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeStartArray(value, value.bytes.length);
            for (byte b : value.bytes) {
                gen.writeNumber(b & 0xff);
            }
            gen.writeEndArray();
        }
    }

    static final class FromByteValues extends StdDeserializer<CommBuffer> {
        FromByteValues() {
            super(CommBuffer.class);
        }

        @Override
        public CommBuffer deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.isExpectedStartArrayToken()) {
                return (CommBuffer) ctxt.handleUnexpectedToken(CommBuffer.class, p.currentToken(), p,
                        "expected an array of byte values 0-255, got %s", describe(p.currentToken()));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t != JsonToken.VALUE_NUMBER_INT) {
                    return (CommBuffer) ctxt.handleUnexpectedToken(CommBuffer.class, t, p,
                            "expected a byte value 0-255, got %s", describe(t));
                }
                long v = p.getLongValue();
                if (v < 0 || v > 255) {
                    return (CommBuffer) ctxt.handleUnexpectedToken(CommBuffer.class, t, p,
                            "byte value out of range 0-255: %s", p.getText());
                }
                out.write((int) v);
            }
            return new CommBuffer(out.toByteArray());
        }

        /** An element of {@code buffers} that is {@code null} is not a buffer: serde refuses it too. */
        @Override
        public CommBuffer getNullValue(DeserializationContext ctxt) throws JsonMappingException {
            return (CommBuffer) ctxt.reportInputMismatch(this, "expected an array of byte values 0-255, got null");
        }

        private static String describe(JsonToken t) {
            if (t == null) {
                return "nothing";
            }
            return switch (t) {
                case VALUE_STRING -> "a string";
                case VALUE_NUMBER_FLOAT -> "a fractional number";
                case VALUE_TRUE, VALUE_FALSE -> "a boolean";
                case VALUE_NULL -> "null";
                case START_OBJECT -> "an object";
                case START_ARRAY -> "an array";
                default -> t.asString() == null ? t.name() : t.asString();
            };
        }
    }
}
