package io.runtimed.sync.settings;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.protocol.EnvType;
import io.runtimed.sync.NativeHandles;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.automerge.AmValue;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.Read;
import org.automerge.Transaction;

/**
 * Every read and write of the settings document (SETTINGS.md §1-§4), as functions of a
 * {@link Read} or an open {@link Transaction}: the caller owns the document and its lock (the
 * daemon's {@link io.runtimed.sync.DocumentOwner}, a client's replica). Only Automerge Maps, Lists
 * and scalar Str values are ever written (§1: never Text, never numbers or booleans).
 */
public final class SettingsDoc {
    public static final String THEME = "theme";
    public static final String DEFAULT_RUNTIME = "default_runtime";
    public static final String DEFAULT_PYTHON_ENV = "default_python_env";
    public static final String UV = "uv";
    public static final String CONDA = "conda";
    public static final String DEFAULT_PACKAGES = "default_packages";
    /** §1: the pre-nesting, comma-separated forms of the package lists. */
    public static final String LEGACY_UV_PACKAGES = "default_uv_packages";
    public static final String LEGACY_CONDA_PACKAGES = "default_conda_packages";

    private SettingsDoc() {
    }

    // ---- §1: the fresh document ----

    /**
     * A fresh settings document with the §1 defaults, built in the spec's order in one change. Only
     * the daemon creates one: a client that pre-created {@code uv} or {@code conda} would conflict
     * with the daemon's objects under the same key (PROTOCOL.md §6.2). The caller frees it.
     */
    public static Document createDefault() {
        Document doc = NativeHandles.newDocument();
        try (Transaction tx = doc.startTransaction()) {
            tx.set(ObjectId.ROOT, THEME, Theme.SYSTEM.value());
            tx.set(ObjectId.ROOT, DEFAULT_RUNTIME, NotebookRuntime.PYTHON.value());
            tx.set(ObjectId.ROOT, DEFAULT_PYTHON_ENV, EnvType.UV.wireName());
            ObjectId uv = tx.set(ObjectId.ROOT, UV, ObjectType.MAP);
            tx.set(uv, DEFAULT_PACKAGES, ObjectType.LIST);
            ObjectId conda = tx.set(ObjectId.ROOT, CONDA, ObjectType.MAP);
            tx.set(conda, DEFAULT_PACKAGES, ObjectType.LIST);
            tx.commit();
        } catch (RuntimeException e) {
            NativeHandles.free(doc);
            throw e;
        }
        return doc;
    }

    // ---- §2: the snapshot ----

    /** The typed snapshot every peer derives, by the §2 rules (bad or missing values read as defaults). */
    public static SyncedSettings snapshot(Read doc) {
        Theme theme = rootString(doc, THEME).flatMap(Theme::parse).orElse(Theme.SYSTEM);
        NotebookRuntime runtime = NotebookRuntime.fromSetting(rootString(doc, DEFAULT_RUNTIME).orElse(null));
        EnvType env = rootString(doc, DEFAULT_PYTHON_ENV).flatMap(EnvType::parseLenient).orElse(EnvType.UV);
        return new SyncedSettings(theme, runtime, env,
                new SyncedSettings.PackageSection(packages(doc, UV, LEGACY_UV_PACKAGES)),
                new SyncedSettings.PackageSection(packages(doc, CONDA, LEGACY_CONDA_PACKAGES)));
    }

    /**
     * §2: the Str elements of {@code <section>.default_packages} when that List has at least one,
     * else the legacy comma string, else nothing.
     */
    private static List<String> packages(Read doc, String section, String legacyKey) {
        List<String> list = getList(doc, section + "." + DEFAULT_PACKAGES).orElse(List.of());
        if (!list.isEmpty()) {
            return list;
        }
        return rootString(doc, legacyKey).map(SettingsDoc::splitCommaList).orElse(List.of());
    }

    /** §2's comma rule: split on {@code ,}, trim each part, drop the empty ones. */
    public static List<String> splitCommaList(String text) {
        List<String> out = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            String t = part.trim();
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }

    // ---- §3: reading and writing by key ----

    /**
     * §3 get: a dotted key reads Str {@code sub} inside Map {@code section} (split at the first
     * dot), a plain key reads the ROOT. Anything but a Str reads as absent.
     */
    public static Optional<String> get(Read doc, String key) {
        int dot = key.indexOf('.');
        if (dot < 0) {
            return rootString(doc, key);
        }
        return section(doc, key.substring(0, dot)).flatMap(s -> string(doc, s, key.substring(dot + 1)));
    }

    /** The Str elements of the List at a dotted key (non-Str elements skipped), or empty when there is no List. */
    public static Optional<List<String>> getList(Read doc, String key) {
        int dot = key.indexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        Optional<ObjectId> section = section(doc, key.substring(0, dot));
        if (section.isEmpty()) {
            return Optional.empty();
        }
        Optional<AmValue> value = doc.get(section.get(), key.substring(dot + 1));
        if (value.isEmpty() || !(value.get() instanceof AmValue.List list)) {
            return Optional.empty();
        }
        List<String> out = new ArrayList<>();
        for (AmValue item : doc.listItems(list.getId()).orElse(new AmValue[0])) {
            if (item instanceof AmValue.Str s) {
                out.add(s.getValue());
            }
        }
        return Optional.of(out);
    }

    /**
     * The Str values of a section other than {@code default_packages}, in key order: settings this
     * daemon reads beyond the spec's five (the pools' {@code uv.python}, {@code uv.pip_index_url},
     * ...), which the JSON mirror keeps so that rewriting settings.json never drops them.
     */
    public static Map<String, String> sectionExtras(Read doc, String sectionName) {
        Map<String, String> out = new LinkedHashMap<>();
        Optional<ObjectId> section = section(doc, sectionName);
        if (section.isEmpty()) {
            return out;
        }
        for (String key : doc.keys(section.get()).orElse(new String[0])) {
            if (!key.equals(DEFAULT_PACKAGES)) {
                string(doc, section.get(), key).ifPresent(v -> out.put(key, v));
            }
        }
        return out;
    }

    /** §3 put: a Str at the ROOT, or (dotted key) inside the section Map, created if needed. */
    public static void put(Transaction tx, String key, String value) {
        int dot = key.indexOf('.');
        if (dot < 0) {
            tx.set(ObjectId.ROOT, key, value);
        } else {
            tx.set(ensureSection(tx, key.substring(0, dot)), key.substring(dot + 1), value);
        }
    }

    /**
     * §3 put_list: replaces the whole value at a dotted key with a new List of Str (two peers
     * replacing concurrently: one list wins).
     *
     * @throws IllegalArgumentException for a key without a dot
     */
    public static void putList(Transaction tx, String key, List<String> values) {
        int dot = key.indexOf('.');
        if (dot < 0) {
            throw new IllegalArgumentException("list key must be dotted");
        }
        ObjectId section = ensureSection(tx, key.substring(0, dot));
        String sub = key.substring(dot + 1);
        if (tx.get(section, sub).isPresent()) {
            tx.delete(section, sub);
        }
        ObjectId list = tx.set(section, sub, ObjectType.LIST);
        for (int i = 0; i < values.size(); i++) {
            tx.insert(list, i, values.get(i));
        }
    }

    /**
     * §3 put_value: a JSON string is put, a JSON array is put as a list of its string elements
     * (others dropped), anything else changes nothing. Returns whether something was written.
     *
     * @throws IllegalArgumentException for an array under a key without a dot
     */
    public static boolean putValue(Transaction tx, String key, JsonNode value) {
        if (value.isTextual()) {
            put(tx, key, value.textValue());
            return true;
        }
        if (value.isArray()) {
            List<String> strings = new ArrayList<>();
            value.forEach(e -> {
                if (e.isTextual()) {
                    strings.add(e.textValue());
                }
            });
            putList(tx, key, strings);
            return true;
        }
        return false;
    }

    // ---- §4: legacy migration ----

    /**
     * §4: each legacy ROOT Str becomes the nested list (when it names any package) and is deleted
     * (even when it named none). Returns whether anything was migrated.
     */
    public static boolean migrateLegacy(Transaction tx) {
        boolean uv = migrate(tx, LEGACY_UV_PACKAGES, UV);
        boolean conda = migrate(tx, LEGACY_CONDA_PACKAGES, CONDA);
        return uv || conda;
    }

    private static boolean migrate(Transaction tx, String legacyKey, String section) {
        Optional<String> legacy = rootString(tx, legacyKey);
        if (legacy.isEmpty()) {
            return false;
        }
        List<String> packages = splitCommaList(legacy.get());
        if (!packages.isEmpty()) {
            putList(tx, section + "." + DEFAULT_PACKAGES, packages);
        }
        tx.delete(ObjectId.ROOT, legacyKey);
        return true;
    }

    // ---- §7: hand edits of settings.json ----

    /**
     * §7 apply_json_changes: writes only what differs from the document. Scalars are put verbatim
     * (unvalidated); a section's list is compared with the List alone (legacy keys ignored) and
     * replaced whole; a section's other string settings are put one by one. Absent keys never reset
     * anything. Returns whether anything was written.
     */
    public static boolean applyEdits(Transaction tx, SettingsEdits edits) {
        boolean changed = false;
        changed |= putIfDifferent(tx, THEME, edits.theme());
        changed |= putIfDifferent(tx, DEFAULT_RUNTIME, edits.defaultRuntime());
        changed |= putIfDifferent(tx, DEFAULT_PYTHON_ENV, edits.defaultPythonEnv());
        changed |= applySection(tx, UV, edits.uv());
        changed |= applySection(tx, CONDA, edits.conda());
        return changed;
    }

    private static boolean applySection(Transaction tx, String section, SettingsEdits.Section edits) {
        if (edits == null) {
            return false;
        }
        boolean changed = false;
        String listKey = section + "." + DEFAULT_PACKAGES;
        if (edits.defaultPackages() != null
                && !edits.defaultPackages().equals(getList(tx, listKey).orElse(List.of()))) {
            putList(tx, listKey, edits.defaultPackages());
            changed = true;
        }
        for (Map.Entry<String, String> e : edits.otherStrings().entrySet()) {
            changed |= putIfDifferent(tx, section + "." + e.getKey(), e.getValue());
        }
        return changed;
    }

    private static boolean putIfDifferent(Transaction tx, String key, String value) {
        if (value == null || get(tx, key).filter(value::equals).isPresent()) {
            return false;
        }
        put(tx, key, value);
        return true;
    }

    // ---- helpers ----

    private static Optional<String> rootString(Read doc, String key) {
        return string(doc, ObjectId.ROOT, key);
    }

    private static Optional<String> string(Read doc, ObjectId obj, String key) {
        return doc.get(obj, key).filter(AmValue.Str.class::isInstance).map(v -> ((AmValue.Str) v).getValue());
    }

    private static Optional<ObjectId> section(Read doc, String name) {
        return doc.get(ObjectId.ROOT, name).filter(AmValue.Map.class::isInstance).map(v -> ((AmValue.Map) v).getId());
    }

    /** §1: reuse the section's Map if the key holds one; otherwise a new Map replaces whatever is there. */
    private static ObjectId ensureSection(Transaction tx, String name) {
        return section(tx, name).orElseGet(() -> tx.set(ObjectId.ROOT, name, ObjectType.MAP));
    }
}
