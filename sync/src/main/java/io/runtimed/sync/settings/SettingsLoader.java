package io.runtimed.sync.settings;

import io.runtimed.sync.DocumentDecodeException;
import io.runtimed.sync.NativeHandles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardCopyOption;
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
     * @param onDisk true when settings.automerge already holds exactly this document (nothing to save)
     */
    public record Loaded(Document doc, Origin origin, boolean onDisk) {
    }

    private SettingsLoader() {
    }

    public static Loaded load(SettingsPaths paths) {
        Document fromBinary = loadAutomerge(paths);
        if (fromBinary != null) {
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
            return new Loaded(fromBinary, Origin.AUTOMERGE, !migrated);
        }
        SettingsEdits edits = readSettingsJson(paths);
        Document doc = SettingsDoc.createDefault();
        if (edits == null) {
            return new Loaded(doc, Origin.DEFAULTS, false);
        }
        try (Transaction tx = doc.startTransaction()) {
            SettingsDoc.applyEdits(tx, edits);
            tx.commit();
        } catch (RuntimeException e) {
            NativeHandles.free(doc);
            throw e;
        }
        LOG.info("settings document created from {}", paths.settingsJson());
        return new Loaded(doc, Origin.SETTINGS_JSON, false);
    }

    /** The saved document, or null when there is none or it is corrupt (then moved aside). */
    private static Document loadAutomerge(SettingsPaths paths) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(paths.automerge());
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.error("cannot read {}: {}; starting without it", paths.automerge(), e.getMessage());
            return null;
        }
        String problem;
        try {
            Document doc = NativeHandles.load(bytes);
            if (doc.getHeads().length > 0) {
                return doc;
            }
            // a saved settings document always has a change; an empty one is a truncated write
            NativeHandles.free(doc);
            problem = "it holds no document (" + bytes.length + " bytes)";
        } catch (DocumentDecodeException e) {
            problem = e.getMessage();
        }
        moveAside(paths, problem);
        return null;
    }

    private static void moveAside(SettingsPaths paths, String problem) {
        try {
            Files.move(paths.automerge(), paths.corruptAutomerge(), StandardCopyOption.REPLACE_EXISTING);
            LOG.warn("{} is corrupt ({}); kept as {}, starting from {} or defaults", paths.automerge(), problem,
                    paths.corruptAutomerge().getFileName(), paths.settingsJson().getFileName());
        } catch (IOException e) {
            LOG.warn("{} is corrupt ({}) and could not be moved aside: {}", paths.automerge(), problem, e.getMessage());
        }
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
