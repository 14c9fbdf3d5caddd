package io.runtimed.ipynb;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * .ipynb files as nbformat 5.5 reads and writes them ({@code nbformat.read(path, as_version=4)},
 * {@code nbformat.write(nb, path)}), byte for byte on write. The rules live in {@link Rwbase}
 * (v4/rwbase.py), {@link PythonJson} (json.dumps as v4/nbjson.py calls it), {@link PythonLines}
 * (str.splitlines) and {@link PythonFloat} (float repr).
 *
 * <p>One thing nbformat does that this does not: its validator (called by reads and writes) gives
 * a v4.5+ cell without an id, or with an id an earlier cell has, a new random id. Random ids
 * cannot be reproduced, and choosing ids is the caller's business, so read and write leave ids
 * as they are.
 *
 * <p>Read accepts a few files nbformat refuses, and writes them by the same rules: a notebook or
 * cell without "metadata" and a code cell without "outputs" (AttributeErrors in nbformat), an
 * integer of more than 4300 digits (Python's int conversion limit), and Jackson's extra
 * spellings +Infinity, +INF and -INF.
 */
public final class NbformatJson {
    /**
     * Python's json.loads: ints of any size, floats as doubles, NaN/Infinity/-Infinity, no trailing
     * data, and none of Jackson's size limits (a notebook's base64 image can be well over Jackson's
     * 20 MB string limit). Nesting keeps Jackson's limit of 1000, about Python's recursion limit.
     */
    private static final ObjectReader READER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength(Integer.MAX_VALUE)
                            .maxNumberLength(Integer.MAX_VALUE)
                            .maxNameLength(Integer.MAX_VALUE)
                            .build())
                    .build())
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build()
            .reader();

    private NbformatJson() {
    }

    /**
     * Parses an .ipynb file into the form nbformat holds in memory: multi-line fields given as lists
     * of lines joined into one string, transient metadata stripped (see {@link Rwbase}). Refuses, in
     * one line, what is not a version 4 notebook.
     */
    public static ObjectNode read(byte[] bytes) throws NotebookFileException {
        JsonNode root = parse(decodeUtf8(bytes));
        if (!(root instanceof ObjectNode nb)) {
            throw new NotebookFileException("not a notebook: the file holds a JSON " + kind(root) + ", not an object");
        }
        checkVersion(nb.get("nbformat"));
        JsonNode cells = nb.get("cells");
        if (cells == null) {
            throw new NotebookFileException("not a notebook: it has no \"cells\"");
        }
        if (!cells.isArray()) {
            throw new NotebookFileException("not a notebook: \"cells\" is " + withArticle(kind(cells)) + ", not an array");
        }
        for (int i = 0; i < cells.size(); i++) {
            if (!cells.get(i).isObject()) {
                throw new NotebookFileException("not a notebook: cell " + i + " is " + withArticle(kind(cells.get(i))) + ", not an object");
            }
        }
        Rwbase.rejoinLines(nb);
        Rwbase.stripTransient(nb);
        return nb;
    }

    /**
     * The text nbformat.write(nb, path) writes: a copy split into lines and stripped of transient
     * metadata, dumped as nbformat's JSONWriter dumps it, plus the newline write adds (the dump
     * ends with '}', so it is always added).
     */
    public static String write(ObjectNode notebook) {
        ObjectNode nb = notebook.deepCopy();
        Rwbase.splitLines(nb);
        Rwbase.stripTransient(nb);
        return PythonJson.dumps(nb) + "\n";
    }

    /** nbformat.read opens the file as UTF-8 (not utf-8-sig: json.loads then refuses a BOM). */
    private static String decodeUtf8(byte[] bytes) throws NotebookFileException {
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            if (text.startsWith("\ufeff")) {
                throw new NotebookFileException("not a notebook: the file starts with a byte order mark (nbformat refuses it too)");
            }
            return text;
        } catch (CharacterCodingException e) {
            throw new NotebookFileException("not a notebook: the file is not UTF-8 text");
        }
    }

    private static JsonNode parse(String text) throws NotebookFileException {
        try {
            JsonNode root = READER.readTree(text);
            if (root == null || root.isMissingNode()) {
                throw new NotebookFileException("not a notebook: the file is empty");
            }
            return root;
        } catch (JsonProcessingException e) {
            String reason = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().lines().findFirst().orElse("");
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            throw new NotebookFileException("not a notebook: the file is not valid JSON: " + reason + where);
        }
    }

    private static void checkVersion(JsonNode version) throws NotebookFileException {
        if (version == null) {
            throw new NotebookFileException("not a notebook: it has no \"nbformat\" version");
        }
        if (!version.isIntegralNumber()) {
            String shown = version.isTextual() ? "the string \"" + version.textValue() + "\"" : version.toString();
            throw new NotebookFileException("not a notebook: \"nbformat\" is " + shown + ", expected the integer 4");
        }
        if (!version.bigIntegerValue().equals(java.math.BigInteger.valueOf(4))) {
            throw new NotebookFileException("unsupported notebook version: this is an nbformat "
                    + version.bigIntegerValue() + " notebook, only nbformat 4 can be opened");
        }
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "array";
            case OBJECT -> "object";
            case STRING -> "string";
            case NUMBER -> "number";
            case BOOLEAN -> "boolean";
            case NULL -> "null";
            default -> "value";
        };
    }

    private static String withArticle(String kind) {
        return kind.equals("null") ? "null" : (kind.matches("[aeiou].*") ? "an " : "a ") + kind;
    }
}
