package io.runtimed.rooms.settings;

import io.runtimed.sync.settings.InvalidSettingsFileException;
import io.runtimed.sync.settings.SettingsDoc;
import io.runtimed.sync.settings.SettingsEdits;
import io.runtimed.sync.settings.SettingsJson;
import io.runtimed.rooms.DocumentStore;
import io.runtimed.sync.NativeHandles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import org.automerge.Document;
import org.automerge.Transaction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SETTINGS.md §5: the daemon's settings document at start, from settings.automerge (then the §4
 * migration), else from settings.json over fresh defaults, else fresh defaults.
 *
 * <p>Unlike the reference, a settings.automerge that does not decode is not silently dropped (and
 * later overwritten): it is renamed to settings.automerge.corrupt and logged (README gap 13).
 */
public final class SettingsLoader {
    private static final Logger LOG = LoggerFactory.getLogger(SettingsLoader.class);

    /** Where the document came from. */
    public enum Origin { AUTOMERGE, SETTINGS_JSON, DEFAULTS }

    /**
     * A loaded document, which the caller now owns and frees.
     *
     * @param onDisk    true when settings.automerge already holds exactly this document (nothing to save)
     * @param fileBytes the size of settings.automerge when it was loaded (0 when it was not)
     */
    public record Loaded(Document doc, Origin origin, boolean onDisk, long fileBytes) {
    }

    private SettingsLoader() {
    }

    public static Loaded load(SettingsPaths paths) {
        DocumentStore.Loaded binary = loadAutomerge(paths);
        if (binary != null) {
            Document fromBinary = binary.doc();
            boolean migrated;
            try (Transaction tx = fromBinary.startTransaction()) {
                migrated = SettingsDoc.migrateLegacy(tx);
                tx.commit();
            } catch (RuntimeException e) {
                NativeHandles.free(fromBinary);
                throw e;
            }
            if (migrated) {
                LOG.info("moved the legacy package lists of {} into uv/conda.default_packages", paths.automerge());
            }
            // §4: a migrated document is saved at the next persistence point, not now
            return new Loaded(fromBinary, Origin.AUTOMERGE, !migrated, binary.fileBytes());
        }
        SettingsEdits edits = readSettingsJson(paths);
        Document doc = SettingsDoc.createDefault();
        if (edits == null) {
            return new Loaded(doc, Origin.DEFAULTS, false, 0);
        }
        try (Transaction tx = doc.startTransaction()) {
            SettingsDoc.applyEdits(tx, edits);
            tx.commit();
        } catch (RuntimeException e) {
            NativeHandles.free(doc);
            throw e;
        }
        LOG.info("settings document created from {}", paths.settingsJson());
        return new Loaded(doc, Origin.SETTINGS_JSON, false, 0);
    }

    /**
     * The saved document, or null when there is none or it is corrupt (then moved aside, as
     * {@link DocumentStore#read} does; a torn last append is cut off, it was never acknowledged).
     */
    private static DocumentStore.Loaded loadAutomerge(SettingsPaths paths) {
        DocumentStore.Loaded loaded = DocumentStore.read(paths.automerge()).orElse(null);
        if (loaded != null && loaded.doc().getHeads().length == 0) {
            // a saved settings document always has a change; an empty one is a truncated write
            NativeHandles.free(loaded.doc());
            DocumentStore.setAside(paths.automerge(), "holds no document (" + loaded.fileBytes() + " bytes)");
            return null;
        }
        return loaded;
    }

    private static SettingsEdits readSettingsJson(SettingsPaths paths) {
        try {
            return SettingsJson.parseEdits(Files.readAllBytes(paths.settingsJson()));
        } catch (NoSuchFileException e) {
            return null;
        } catch (InvalidSettingsFileException e) {
            LOG.warn("ignoring {}: {}", paths.settingsJson(), e.getMessage());
            return null;
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}", paths.settingsJson(), e.getMessage());
            return null;
        }
    }
}
