package io.runtimed.rooms.settings;

import io.runtimed.sync.settings.InvalidSettingsFileException;
import io.runtimed.sync.settings.SettingsDoc;
import io.runtimed.sync.settings.SettingsEdits;
import io.runtimed.sync.settings.SettingsJson;
import io.runtimed.sync.settings.SettingsSchema;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import io.runtimed.paths.AtomicFiles;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.rooms.DocumentStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings document's human-facing files (SETTINGS.md §6, §7): the settings.json mirror, hand
 * edits of it coming back, and the schema file. The document itself is persisted by its
 * {@link DocumentStore} before any peer hears of a change; the mirror follows, off every peer's
 * path. One lock orders every write, so the mirror never goes back in time.
 *
 * <p>Which versions of settings.json the daemon has accounted for (written as a mirror, or applied
 * as a hand edit) is kept durably in {@link SettingsPaths#seen()}, written before the mirror it
 * names. At start, a settings.json equal to one of them is only older than the document (a kill
 * landed between the document's write and the mirror's) and is not applied; any other content is a
 * person's edit made while the daemon was stopped, and only the keys that differ from every
 * accounted version are applied.
 *
 * <p>Where this differs from the reference, on purpose: the mirror is written atomically and only
 * when it would change; a settings.json that is not valid is reported and left alone (not
 * overwritten until it is valid again); an invalid value a client wrote is not normalised in the
 * document by a round trip through the file; unseen hand edits are applied before the mirror is
 * rewritten, so they are never overwritten, and only the keys the user changed are applied.
 */
public final class SettingsMirror {
    private static final Logger LOG = LoggerFactory.getLogger(SettingsMirror.class);
    private static final Duration DURABLE_TIMEOUT = Duration.ofSeconds(30);

    private final SettingsPaths paths;
    private final DocumentOwner owner;
    private final DocumentStore store;
    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock
    /** settings.json as this daemon last wrote or read it (null: not looked at yet). */
    private byte[] jsonSeen;
    private boolean jsonSeenInvalid;
    /** What the last valid settings.json said (ours or the user's), to find what an edit changed. */
    private SettingsEdits seenEdits;
    /** How many times the mirror replaced settings.json (read without the lock: a statistic). */
    private final java.util.concurrent.atomic.AtomicLong writes = new java.util.concurrent.atomic.AtomicLong();

    public SettingsMirror(SettingsPaths paths, DocumentOwner owner, DocumentStore store) {
        this.paths = paths;
        this.owner = owner;
        this.store = store;
    }

    public SettingsPaths paths() {
        return paths;
    }

    /** How many times this mirror rewrote settings.json so far. */
    public long writes() {
        return writes.get();
    }

    /** §6: written at every start, before serving; a failure is only logged. */
    public void writeSchema() {
        try {
            AtomicFiles.write(paths.schema(), SettingsSchema.text().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOG.warn("could not write {}: {}", paths.schema(), e.getMessage());
        }
    }

    /**
     * At start, before serving: applies a settings.json that a person edited while no daemon ran
     * (only what they changed; a file this daemon wrote or already applied is never applied again),
     * then rewrites the mirror if the document is newer. Returns true when the document changed.
     */
    public boolean start() {
        lock.lock();
        try {
            byte[] bytes = readJson();
            boolean changed = false;
            if (bytes != null) {
                Seen seen = readSeen();
                if (seen != null && seen.accounts(bytes)) {
                    remember(bytes, SettingsJson.parseEditsOrNull(bytes), false);
                } else {
                    changed = absorb(bytes, seen == null ? null : seen.bases());
                }
            }
            writeMirror();
            return changed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * §7, for the watcher: applies settings.json if it changed since this daemon last wrote or read
     * it, but does not rewrite the mirror (the user's formatting stays). Returns true when the
     * document changed; the caller tells the peers.
     */
    public boolean applyHandEdits() {
        lock.lock();
        try {
            byte[] bytes = readJson();
            return bytes != null && !Arrays.equals(bytes, jsonSeen) && absorb(bytes, null);
        } finally {
            lock.unlock();
        }
    }

    /**
     * After a peer's change (on the mirror's own thread, never a peer's): rewrites settings.json
     * from the document. A hand edit that arrived meanwhile is applied first (returns true: then the
     * peers must be told), since the file may change at any moment: the mirror replaces it only if
     * it still holds what we last saw.
     */
    public boolean publish() {
        lock.lock();
        try {
            boolean absorbed = false;
            for (int attempt = 0; attempt < 3; attempt++) {
                byte[] bytes = readJson();
                if (bytes != null && !Arrays.equals(bytes, jsonSeen) && absorb(bytes, null)) {
                    absorbed = true;
                }
                if (writeMirror()) {
                    break;
                }
            }
            return absorbed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Applies {@code bytes} as a person's edit: only the keys that differ from the last valid
     * version seen ({@code bases} null) or from every one of {@code bases}; all of it when nothing
     * is known. Once the change is durable, the file is recorded as accounted for. Under the lock.
     */
    private boolean absorb(byte[] bytes, SettingsEdits[] bases) {
        jsonSeen = bytes;
        SettingsEdits edits;
        try {
            edits = SettingsJson.parseEdits(bytes);
        } catch (InvalidSettingsFileException e) {
            // a half-written file or a typo: the next save of the file is read again
            jsonSeenInvalid = true;
            LOG.warn("ignoring {}: {}; the settings and the file stay as they are until it is fixed",
                    paths.settingsJson(), e.getMessage());
            return false;
        }
        jsonSeenInvalid = false;
        SettingsEdits changes = edits;
        if (bases != null) {
            for (SettingsEdits base : bases) {
                changes = changes.changedSince(base);
            }
        } else if (seenEdits != null) {
            // the file's other values may be older than the document (a window changed them since)
            changes = changes.changedSince(seenEdits);
        }
        SettingsEdits apply = changes;
        boolean changed = owner.change(tx -> SettingsDoc.applyEdits(tx, apply));
        if (changed) {
            LOG.info("applied the edits of {}", paths.settingsJson());
            if (!store.flush(DURABLE_TIMEOUT)) {
                LOG.warn("the settings edited in {} did not reach the disk", paths.settingsJson());
            }
        }
        remember(bytes, edits, true);
        return changed;
    }

    /** Writes the mirror unless the file is invalid; false if someone changed the file meanwhile. Under the lock. */
    private boolean writeMirror() {
        if (jsonSeenInvalid) {
            LOG.info("not rewriting {} while it is invalid", paths.settingsJson());
            return true;
        }
        byte[] mirror = owner.read(SettingsJson::mirror).getBytes(StandardCharsets.UTF_8);
        if (Arrays.equals(mirror, jsonSeen)) {
            return true;
        }
        try {
            // recorded first: a kill before the rename leaves a file we can still recognise
            writeSeen(new Seen(jsonSeen, mirror));
            if (!AtomicFiles.replaceIfUnchanged(paths.settingsJson(), mirror, jsonSeen)) {
                LOG.debug("{} changed while the mirror was being written; applying it first", paths.settingsJson());
                return false;
            }
            writes.incrementAndGet();
            remember(mirror, SettingsJson.parseEditsOrNull(mirror), true);
        } catch (IOException e) {
            LOG.warn("could not write {}: {}", paths.settingsJson(), e.getMessage());
        }
        return true;
    }

    private void remember(byte[] bytes, SettingsEdits edits, boolean durably) {
        jsonSeen = bytes;
        if (edits != null) {
            seenEdits = edits;
        }
        if (durably) {
            writeSeen(new Seen(bytes, null));
        }
    }

    private byte[] readJson() {
        try {
            return Files.readAllBytes(paths.settingsJson());
        } catch (NoSuchFileException e) {
            // gone (deleted by the user): the next mirror write recreates it
            jsonSeen = null;
            jsonSeenInvalid = false;
            seenEdits = null;
            return null;
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}", paths.settingsJson(), e.getMessage());
            return null;
        }
    }

    /**
     * The versions of settings.json the daemon accounted for: {@code base}, which the file held or
     * holds, and {@code pending}, a mirror that may or may not have replaced it (null: none).
     */
    private record Seen(byte[] base, byte[] pending) {
        boolean accounts(byte[] bytes) {
            return Arrays.equals(bytes, base) || Arrays.equals(bytes, pending);
        }

        SettingsEdits[] bases() {
            return java.util.stream.Stream.of(base, pending)
                    .filter(b -> b != null)
                    .map(SettingsJson::parseEditsOrNull)
                    .filter(e -> e != null)
                    .toArray(SettingsEdits[]::new);
        }
    }

    private Seen readSeen() {
        try {
            JsonNode node = Json.MAPPER.readTree(Files.readAllBytes(paths.seen()));
            return new Seen(text(node.get("base")), text(node.get("pending")));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            LOG.warn("ignoring {}: {}", paths.seen(), e.getMessage());
            return null;
        }
    }

    private static byte[] text(JsonNode node) {
        return node == null || !node.isTextual() ? null : node.asText().getBytes(StandardCharsets.UTF_8);
    }

    private void writeSeen(Seen seen) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("base", seen.base() == null ? null : new String(seen.base(), StandardCharsets.UTF_8));
        node.put("pending", seen.pending() == null ? null : new String(seen.pending(), StandardCharsets.UTF_8));
        try {
            AtomicFiles.write(paths.seen(), Json.MAPPER.writeValueAsBytes(node));
        } catch (IOException e) {
            LOG.warn("could not write {}: {}", paths.seen(), e.getMessage());
        }
    }
}
