package io.runtimed.sync.settings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.automerge.Read;

/**
 * settings.json in both directions (SETTINGS.md §6, §7): the JSON mirror the daemon writes from the
 * document, and the hand-edited file read back as {@link SettingsEdits}.
 */
public final class SettingsJson {
    /** §6: the mirror's pointer to the schema file next to it. */
    public static final String SCHEMA_KEY = "$schema";
    public static final String SCHEMA_REF = "./settings.schema.json";

    private SettingsJson() {
    }

    /**
     * The document as settings.json's tree, without {@code $schema}: the §2 snapshot (normalised
     * values) plus each section's other string settings, so that rewriting the file never drops a
     * setting such as {@code uv.python}.
     */
    public static ObjectNode tree(Read doc) {
        return tree(SettingsDoc.snapshot(doc), SettingsDoc.sectionExtras(doc, SettingsDoc.UV),
                SettingsDoc.sectionExtras(doc, SettingsDoc.CONDA));
    }

    /**
     * The snapshot's JSON form (§2) plus section extras. Built by hand rather than through the
     * record's serializer: the mirror is written at start, and Jackson's first look at a record
     * costs tens of milliseconds there.
     */
    static ObjectNode tree(SyncedSettings s, Map<String, String> uvExtras, Map<String, String> condaExtras) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put(SettingsDoc.THEME, s.theme().value());
        root.put(SettingsDoc.DEFAULT_RUNTIME, s.defaultRuntime().value());
        root.put(SettingsDoc.DEFAULT_PYTHON_ENV, s.defaultPythonEnv().wireName());
        root.set(SettingsDoc.UV, section(s.uv(), uvExtras));
        root.set(SettingsDoc.CONDA, section(s.conda(), condaExtras));
        return root;
    }

    private static ObjectNode section(SyncedSettings.PackageSection packages, Map<String, String> extras) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        ArrayNode list = node.putArray(SettingsDoc.DEFAULT_PACKAGES);
        packages.defaultPackages().forEach(list::add);
        extras.forEach(node::put);
        return node;
    }

    /** §6: the mirror's exact text: pretty with 2-space indents, {@code $schema} last, one trailing newline. */
    public static String mirror(Read doc) {
        ObjectNode root = tree(doc);
        root.put(SCHEMA_KEY, SCHEMA_REF);
        return Json.pretty(root) + "\n";
    }

    /**
     * Reads a hand-edited settings.json. Known keys must have their types: the three scalars are
     * strings, {@code uv} and {@code conda} are objects whose {@code default_packages} (optional
     * here: absent means "leave the list alone") is an array of strings. Other string or boolean
     * values inside a section are kept as strings; every other key, {@code $schema} included, is
     * ignored.
     *
     * @throws InvalidSettingsFileException for text that is not JSON or a known key of the wrong type
     */
    /** {@link #parseEdits}, or null for a file that does not parse. */
    public static SettingsEdits parseEditsOrNull(byte[] text) {
        try {
            return parseEdits(text);
        } catch (InvalidSettingsFileException e) {
            return null;
        }
    }

    public static SettingsEdits parseEdits(byte[] text) throws InvalidSettingsFileException {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            String message = e.getOriginalMessage();
            int cut = message == null ? -1 : message.indexOf('\n');
            throw new InvalidSettingsFileException("not valid JSON: "
                    + (cut >= 0 ? message.substring(0, cut) : message)
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        } catch (IOException e) {
            throw new InvalidSettingsFileException("not valid JSON: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new InvalidSettingsFileException("empty file");
        }
        if (!root.isObject()) {
            throw new InvalidSettingsFileException("expected a JSON object at the top level");
        }
        return new SettingsEdits(
                scalar(root, SettingsDoc.THEME),
                scalar(root, SettingsDoc.DEFAULT_RUNTIME),
                scalar(root, SettingsDoc.DEFAULT_PYTHON_ENV),
                section(root, SettingsDoc.UV),
                section(root, SettingsDoc.CONDA));
    }

    private static String scalar(JsonNode root, String key) throws InvalidSettingsFileException {
        JsonNode v = root.get(key);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            throw new InvalidSettingsFileException(key + " must be a string, not " + describe(v));
        }
        return v.textValue();
    }

    private static SettingsEdits.Section section(JsonNode root, String name) throws InvalidSettingsFileException {
        JsonNode v = root.get(name);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            throw new InvalidSettingsFileException(name + " must be an object, not " + describe(v));
        }
        List<String> packages = null;
        Map<String, String> others = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            JsonNode value = e.getValue();
            if (e.getKey().equals(SettingsDoc.DEFAULT_PACKAGES)) {
                packages = strings(name + "." + SettingsDoc.DEFAULT_PACKAGES, value);
            } else if (value.isTextual()) {
                others.put(e.getKey(), value.textValue());
            } else if (value.isBoolean()) {
                // §1 stores only Str scalars; "true"/"false" is how pool flags are written
                others.put(e.getKey(), value.asText());
            }
        }
        return new SettingsEdits.Section(packages, others);
    }

    private static List<String> strings(String key, JsonNode value) throws InvalidSettingsFileException {
        if (!value.isArray()) {
            throw new InvalidSettingsFileException(key + " must be an array of strings, not " + describe(value));
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : (ArrayNode) value) {
            if (!e.isTextual()) {
                throw new InvalidSettingsFileException(key + " must contain only strings, not " + describe(e));
            }
            out.add(e.textValue());
        }
        return out;
    }

    private static String describe(JsonNode v) {
        return switch (v.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
