package io.runtimed.pool;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.protocol.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pool settings from the user's settings.json ({@code <config>/runt-notebook/settings.json},
 * SETTINGS.md §6), read at each build, with the command line's values taking precedence. Keys:
 * {@code uv.default_packages}, {@code conda.default_packages} (SETTINGS.md §1), and for offline or
 * locked-down machines {@code uv.python}, {@code uv.system_site_packages} ("true"/"false"),
 * {@code uv.pip_index_url}, {@code uv.pip_find_links}. A missing or unreadable file means defaults.
 * The daemon reads the same keys from the live settings document ({@link SyncedPoolSettings}).
 */
public final class PoolSettingsFile implements PoolSettings.Source {
    private static final Logger LOG = LoggerFactory.getLogger(PoolSettingsFile.class);

    private final Path settingsJson;
    private final PoolSettings overrides;
    private final boolean systemSiteOverride;

    /**
     * @param overrides          command-line values; null fields (and empty lists) mean "not given"
     * @param systemSiteOverride whether {@code --system-site-packages} was given
     */
    public PoolSettingsFile(Path settingsJson, PoolSettings overrides, boolean systemSiteOverride) {
        this.settingsJson = settingsJson;
        this.overrides = overrides;
        this.systemSiteOverride = systemSiteOverride;
    }

    @Override
    public PoolSettings current() {
        return PoolSettings.fromSettingsJson(read(), overrides, systemSiteOverride);
    }

    private JsonNode read() {
        try {
            return Json.MAPPER.readTree(Files.readAllBytes(settingsJson));
        } catch (NoSuchFileException e) {
            return Json.MAPPER.createObjectNode();
        } catch (IOException e) {
            LOG.warn("ignoring {}: {}", settingsJson, e.getMessage());
            return Json.MAPPER.createObjectNode();
        }
    }
}
