package io.runtimed.sync.settings;

import io.runtimed.sync.AtomicFiles;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.SyncRoom;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.automerge.ChangeHash;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings document's files (SETTINGS.md §6): settings.automerge, the settings.json mirror and
 * the schema file, plus hand edits of settings.json coming back (§7). One lock orders every write,
 * so the files never go back in time when two changes persist at once.
 *
 * <p>Where this differs from the reference, on purpose:
 * <ul>
 *   <li>Files are written only when the document changed (its heads moved since the last save), not
 *       after every sync message (README gap 16), and always atomically.</li>
 *   <li>settings.json is compared with what this daemon last wrote or read, so its own mirror
 *       writes never loop back through the watcher, and an invalid value a client wrote is not
 *       silently normalised in the document by that round trip (gap 17).</li>
 *   <li>A settings.json that is not valid is reported and left alone: the document is untouched and
 *       the mirror is not written over the user's file until it is valid again.</li>
 *   <li>Hand edits not yet seen (an edit within the watcher's debounce, or made while the daemon was
 *       stopped) are applied before the mirror is rewritten, so they are never overwritten; and only
 *       the keys the user changed since the last version are applied, so the file's older values
 *       never undo a newer change from a window.</li>
 * </ul>
 */
public final class SettingsFiles implements SyncRoom.Persistence {
    private static final Logger LOG = LoggerFactory.getLogger(SettingsFiles.class);

    private final SettingsPaths paths;
    private final DocumentOwner owner;
    private final ReentrantLock lock = new ReentrantLock();
    /** The heads settings.automerge holds, or null when it does not hold this document yet. */
    private List<ChangeHash> savedHeads;
    /** settings.json as this daemon last wrote or read it (null: not looked at yet). */
    private byte[] jsonSeen;
    private boolean jsonSeenInvalid;
    /** What the last valid settings.json said (ours or the user's), to find what an edit changed. */
    private SettingsEdits seenEdits;

    /** @param savedHeads the heads already in settings.automerge, or null if it must be written */
    public SettingsFiles(SettingsPaths paths, DocumentOwner owner, List<ChangeHash> savedHeads) {
        this.paths = paths;
        this.owner = owner;
        this.savedHeads = savedHeads;
    }

    public SettingsPaths paths() {
        return paths;
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
     * After a peer's message changed the document (§6, §8): apply any unseen hand edit, then save
     * settings.automerge and rewrite the mirror if the document moved since the last save.
     */
    @Override
    public void persist() {
        lock.lock();
        try {
            absorbHandEdits();
            Snapshot s = owner.withDocument(doc -> {
                List<ChangeHash> heads = List.of(doc.getHeads());
                return heads.equals(savedHeads) ? null : new Snapshot(heads, doc.save(), SettingsJson.mirror(doc));
            });
            if (s == null) {
                return;
            }
            saveBinary(s);
            writeMirror(s.mirror().getBytes(StandardCharsets.UTF_8));
        } finally {
            lock.unlock();
        }
    }

    /**
     * §7, for the watcher (and once at start): applies settings.json to the document if it changed
     * since this daemon last wrote or read it, then saves settings.automerge but not the mirror (the
     * user's formatting stays). Returns true when the document changed; the caller tells the peers.
     */
    public boolean applyHandEdits() {
        lock.lock();
        try {
            if (!absorbHandEdits()) {
                return false;
            }
            Snapshot s = owner.withDocument(doc -> {
                List<ChangeHash> heads = List.of(doc.getHeads());
                return heads.equals(savedHeads) ? null : new Snapshot(heads, doc.save(), null);
            });
            if (s != null) {
                saveBinary(s);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Reads settings.json if it is not what we last saw; applies it as a diff. Under the lock. */
    private boolean absorbHandEdits() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(paths.settingsJson());
        } catch (NoSuchFileException e) {
            // gone (deleted by the user): the next mirror write recreates it
            jsonSeen = null;
            jsonSeenInvalid = false;
            seenEdits = null;
            return false;
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}", paths.settingsJson(), e.getMessage());
            return false;
        }
        if (Arrays.equals(bytes, jsonSeen)) {
            return false;
        }
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
        // only the keys edited since the last valid version: the file's other values may be older
        // than the document (a window changed them within the debounce); at the first look, all of it
        SettingsEdits changes = seenEdits == null ? edits : edits.changedSince(seenEdits);
        seenEdits = edits;
        boolean changed = owner.change(tx -> SettingsDoc.applyEdits(tx, changes));
        if (changed) {
            LOG.info("applied the edits of {}", paths.settingsJson());
        }
        return changed;
    }

    private void saveBinary(Snapshot s) {
        try {
            AtomicFiles.write(paths.automerge(), s.saved());
            savedHeads = s.heads();
        } catch (IOException e) {
            LOG.warn("could not save {}: {}", paths.automerge(), e.getMessage());
        }
    }

    private void writeMirror(byte[] mirror) {
        if (jsonSeenInvalid) {
            LOG.info("not rewriting {} while it is invalid", paths.settingsJson());
            return;
        }
        if (Arrays.equals(mirror, jsonSeen)) {
            return;
        }
        try {
            AtomicFiles.write(paths.settingsJson(), mirror);
            jsonSeen = mirror;
            seenEdits = SettingsJson.parseEdits(mirror);
        } catch (InvalidSettingsFileException e) {
            throw new IllegalStateException("the mirror does not parse: " + e.getMessage(), e);
        } catch (IOException e) {
            LOG.warn("could not write {}: {}", paths.settingsJson(), e.getMessage());
        }
    }

    private record Snapshot(List<ChangeHash> heads, byte[] saved, String mirror) {
    }
}
