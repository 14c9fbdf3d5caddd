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
import org.automerge.Document;
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
 *       after every sync message (README gap 16), and always atomically. settings.automerge grows
 *       by the new changes appended to it, with a full save only once they outgrow a slack, so a
 *       change costs the same however long the history (a full save of a few thousand changes
 *       takes milliseconds, on the path of every change).</li>
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
    /**
     * Appended changes may make settings.automerge this much bigger than its last full save
     * before the next save is a full one again (a full save costs time in proportion to the whole
     * history; appending one change costs next to nothing).
     */
    static final int COMPACT_SLACK_BYTES = 64 * 1024;

    private final ReentrantLock lock = new ReentrantLock();
    /** The heads settings.automerge holds, or null when it does not hold this document yet. */
    private List<ChangeHash> savedHeads;
    /** What settings.automerge holds: a full save, then appended change chunks (null: unknown). */
    private byte[] fileBytes;
    private int fullSaveBytes;
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
     * After a peer's message changed the document (§6, §8), before the peers hear of it: applies
     * any unseen hand edit, then saves settings.automerge if the document moved since the last
     * save. The mirror follows in {@link #publish()}.
     */
    @Override
    public void persist() {
        lock.lock();
        try {
            absorbHandEdits();
            saveBinary();
        } finally {
            lock.unlock();
        }
    }

    /**
     * After the peers were told: rewrites the settings.json mirror. A person reads it, no peer
     * waits for it, so it is off the path of a change from one window to the others (the durable
     * copy, settings.automerge, was written before). A hand edit that arrived in between is applied
     * first and reported, so the peers hear of it too.
     */
    @Override
    public boolean publish() {
        lock.lock();
        try {
            boolean absorbed = false;
            // a person may save the file at any moment: the mirror replaces it only if it still
            // holds what we last saw, else their edit is applied first and we try again
            for (int attempt = 0; attempt < 3; attempt++) {
                if (absorbHandEdits()) {
                    absorbed = true;
                    saveBinary();
                }
                if (writeMirror(owner.read(SettingsJson::mirror).getBytes(StandardCharsets.UTF_8))) {
                    break;
                }
            }
            return absorbed;
        } finally {
            lock.unlock();
        }
    }

    /** Both steps at once, for changes that no peer is waiting on (the start of the daemon). */
    public void persistAndPublish() {
        persist();
        publish();
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
            saveBinary();
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

    /**
     * The next content of settings.automerge, under the document's lock: what the file holds plus
     * the changes since (an Automerge file may be a saved document followed by change chunks; every
     * Automerge implementation loads the concatenation), or a full save when none is known yet or
     * the appended changes have outgrown the slack.
     */
    private FileContent encode(Document doc) {
        if (fileBytes != null && savedHeads != null) {
            byte[] changes = doc.encodeChangesSince(savedHeads.toArray(new ChangeHash[0]));
            if (fileBytes.length + changes.length <= fullSaveBytes + Math.max(fullSaveBytes, COMPACT_SLACK_BYTES)) {
                byte[] next = Arrays.copyOf(fileBytes, fileBytes.length + changes.length);
                System.arraycopy(changes, 0, next, fileBytes.length, changes.length);
                return new FileContent(next, false);
            }
        }
        return new FileContent(doc.save(), true);
    }

    /** Saves settings.automerge if the document moved since the last save. Under the lock. */
    private void saveBinary() {
        Snapshot s = owner.withDocument(doc -> {
            List<ChangeHash> heads = List.of(doc.getHeads());
            return heads.equals(savedHeads) ? null : new Snapshot(heads, encode(doc));
        });
        if (s == null) {
            return;
        }
        try {
            AtomicFiles.write(paths.automerge(), s.saved().bytes());
            savedHeads = s.heads();
            fileBytes = s.saved().bytes();
            if (s.saved().full()) {
                fullSaveBytes = fileBytes.length;
            }
        } catch (IOException e) {
            LOG.warn("could not save {}: {}", paths.automerge(), e.getMessage());
        }
    }

    /** Writes the mirror unless the file is invalid; false if someone changed the file meanwhile. */
    private boolean writeMirror(byte[] mirror) {
        if (jsonSeenInvalid) {
            LOG.info("not rewriting {} while it is invalid", paths.settingsJson());
            return true;
        }
        if (Arrays.equals(mirror, jsonSeen)) {
            return true;
        }
        try {
            if (!AtomicFiles.replaceIfUnchanged(paths.settingsJson(), mirror, jsonSeen)) {
                LOG.debug("{} changed while the mirror was being written; applying it first", paths.settingsJson());
                return false;
            }
            jsonSeen = mirror;
            seenEdits = SettingsJson.parseEdits(mirror);
        } catch (InvalidSettingsFileException e) {
            throw new IllegalStateException("the mirror does not parse: " + e.getMessage(), e);
        } catch (IOException e) {
            LOG.warn("could not write {}: {}", paths.settingsJson(), e.getMessage());
        }
        return true;
    }

    private record FileContent(byte[] bytes, boolean full) {
    }

    private record Snapshot(List<ChangeHash> heads, FileContent saved) {
    }
}
