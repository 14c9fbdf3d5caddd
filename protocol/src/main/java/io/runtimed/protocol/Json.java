package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that decides how wire and disk JSON look: snake_case names, compact frames, and
 * the reference's pretty form (2-space indent, {@code "key": value}, no trailing newline) for
 * daemon.json and the CLIs' --json output.
 */
public final class Json {
    /** Shared, thread-safe mapper for every wire type. */
    public static final ObjectMapper MAPPER = build();

    private static final ObjectWriter COMPACT = MAPPER.writer();
    private static final Pattern QUOTED_TYPE = Pattern.compile("`([^`]*)`");
    /** {@code java.util.}, {@code io.runtimed.protocol.} and an enclosing class's {@code Outer$}. */
    private static final Pattern PACKAGE_PREFIX = Pattern.compile("\\b(?:[a-z][a-z0-9_]*\\.)+|\\b[A-Za-z0-9_]+\\$");
    private static final ObjectWriter PRETTY = MAPPER.writer(StreamingJson.prettyPrinter());

    private Json() {
    }

    private static ObjectMapper build() {
        JsonMapper mapper = JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                // serde writes every non-ASCII character as raw UTF-8; Jackson would escape those
                // outside the BMP (an emoji) as a \uD83C\uDF89 surrogate pair
                .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
                // serde escapes the other control characters as \u001f, in lowercase hex
                .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                // extra keys are ignored for every message, as reference peers do
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // "env_type":0 is not "uv": enums are named on the wire, never numbered
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .build();
        // A number or boolean where the wire says string is a malformed message, not a value to coerce.
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Integer)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        // serde reads a bool only from true/false: "unique":1 or "needs_restart":"true" is malformed
        mapper.coercionConfigFor(LogicalType.Boolean)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        return mapper;
    }

    /**
     * Builds Jackson's serializers and deserializers for the pool channel and daemon.json ahead of
     * the first request: on a cold JVM this is most of the time to the first answer, so the daemon
     * runs it on a spare core while it takes its lock and binds its socket.
     */
    public static void warmUp() {
        try {
            compact(parse(compact(new PoolRequest.Take(EnvType.UV)), PoolRequest.class));
            compact(new PoolResponse.Stats(new PoolStats(0, 0, 0, 0)));
            parse(compact(new PoolResponse.Pong()), PoolResponse.class);
            pretty(DaemonInfo.unknown());
        } catch (MalformedMessageException e) {
            throw new IllegalStateException("wire types do not round-trip", e);
        }
    }

    /** Compact UTF-8 JSON, as the reference writes frames. */
    public static byte[] compact(Object value) {
        try {
            return COMPACT.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Pretty JSON as serde_json's pretty printer writes it (no trailing newline). */
    public static String pretty(Object value) {
        try {
            return PRETTY.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a frame's payload; a failure is a {@link MalformedMessageException} in plain words. */
    public static <T> T parse(byte[] payload, Class<T> type) throws MalformedMessageException {
        requireObject(payload);
        try {
            T value = MAPPER.readValue(payload, type);
            if (value == null) {
                throw new MalformedMessageException("expected a JSON object, got null");
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new MalformedMessageException(describe(e));
        } catch (IOException e) {
            throw new MalformedMessageException(e.getMessage());
        }
    }

    /**
     * Every message is a JSON object. Jackson would also take the wrapper-array form
     * ({@code ["ping",{}]}) for tagged types; no client sends it and we do not accept it.
     */
    private static void requireObject(byte[] payload) throws MalformedMessageException {
        int i = 0;
        while (i < payload.length && (payload[i] == ' ' || payload[i] == '\t' || payload[i] == '\n' || payload[i] == '\r')) {
            i++;
        }
        if (i == payload.length) {
            throw new MalformedMessageException("empty payload, expected a JSON object");
        }
        if (payload[i] != '{') {
            int n = Math.min(32, payload.length - i);
            throw new MalformedMessageException("expected a JSON object, got: "
                    + new String(payload, i, n, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** A client-facing reason, in the wire's terms (field names, tags), never Java class names. */
    static String describe(JsonProcessingException e) {
        String field = fieldPath(e);
        if (e instanceof InvalidTypeIdException bad) {
            String tag = tagName(bad.getBaseType().getRawClass());
            if (bad.getTypeId() == null) {
                return "missing \"" + tag + "\"";
            }
            String known = between(e.getOriginalMessage(), "known type ids = [", "]");
            return "unknown " + tag + " '" + bad.getTypeId() + "'" + (known.isEmpty() ? "" : " (known: " + known + ")");
        }
        if (e instanceof ValueInstantiationException && e.getCause() != null && e.getCause().getMessage() != null) {
            return e.getCause().getMessage();
        }
        if (e instanceof InvalidFormatException bad && bad.getTargetType() != null && bad.getTargetType().isEnum()) {
            return "invalid " + field + " " + quote(bad.getValue()) + " (expected one of: "
                    + String.join(", ", enumNames(bad.getTargetType())) + ")";
        }
        if (e instanceof MismatchedInputException && !field.isEmpty()
                && String.valueOf(e.getOriginalMessage()).startsWith("Missing required creator property")) {
            return field + " is required";
        }
        if (e instanceof MismatchedInputException && !field.isEmpty()) {
            return "invalid value for " + field + ": " + firstSentence(e.getOriginalMessage());
        }
        if (e instanceof JsonParseException) {
            return "not valid JSON: " + firstSentence(e.getOriginalMessage());
        }
        return firstSentence(e.getOriginalMessage());
    }

    /** The key that names a tagged type's variant: "channel", "type", "action", "result", "event". */
    private static String tagName(Class<?> base) {
        JsonTypeInfo info = base.getAnnotation(JsonTypeInfo.class);
        return info == null || info.property().isEmpty() ? "type" : info.property();
    }

    private static String fieldPath(JsonProcessingException e) {
        if (!(e instanceof JsonMappingException m)) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : m.getPath()) {
            if (r.getFieldName() != null) {
                b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    private static String firstSentence(String message) {
        if (message == null) {
            return "invalid JSON";
        }
        int cut = message.indexOf('\n');
        message = cut >= 0 ? message.substring(0, cut) : message;
        int marker = message.indexOf(" (start marker at");
        message = marker >= 0 ? message.substring(0, marker) : message;
        for (String aside : new String[] {" (but could if coercion", " (but might if coercion"}) {
            int coercion = message.indexOf(aside);
            message = coercion >= 0 ? message.substring(0, coercion) : message;
        }
        int hint = message.indexOf(" (set DeserializationConfig");
        message = hint >= 0 ? message.substring(0, hint) : message;
        // `java.util.ArrayList<io.runtimed.protocol.CommBuffer>` -> ArrayList<CommBuffer>
        return QUOTED_TYPE.matcher(message).replaceAll(m -> Matcher.quoteReplacement(
                PACKAGE_PREFIX.matcher(m.group(1)).replaceAll("")));
    }

    private static String between(String text, String from, String to) {
        if (text == null) {
            return "";
        }
        int a = text.indexOf(from);
        int b = a < 0 ? -1 : text.indexOf(to, a + from.length());
        return a < 0 || b < 0 ? "" : text.substring(a + from.length(), b);
    }

    private static String quote(Object value) {
        return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
    }

    private static java.util.List<String> enumNames(Class<?> type) {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (Object c : type.getEnumConstants()) {
            names.add(c.toString());
        }
        return names;
    }
}
