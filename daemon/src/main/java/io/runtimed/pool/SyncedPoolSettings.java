package io.runtimed.pool;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.function.Supplier;

/**
 * Pool settings from the live settings document (SETTINGS.md), read at each build (POOL.md §5 step
 * 3), so a change made by any window applies to the next build and {@code flush_pool} rebuilds the
 * ready environments with it. The command line's values take precedence. Keys:
 * {@code uv.default_packages}, {@code conda.default_packages} (SETTINGS.md §1), and for offline or
 * locked-down machines {@code uv.python}, {@code uv.system_site_packages} ("true"/"false"),
 * {@code uv.pip_index_url}, {@code uv.pip_find_links}.
 */
public final class SyncedPoolSettings implements PoolSettings.Source {
    private final Supplier<JsonNode> settings;
    private final PoolSettings overrides;
    private final boolean systemSiteOverride;

    /**
     * @param settings           the settings as settings.json's tree, read at each call
     * @param overrides          command-line values; null fields (and empty lists) mean "not given"
     * @param systemSiteOverride whether {@code --system-site-packages} was given
     */
    public SyncedPoolSettings(Supplier<JsonNode> settings, PoolSettings overrides, boolean systemSiteOverride) {
        this.settings = settings;
        this.overrides = overrides;
        this.systemSiteOverride = systemSiteOverride;
    }

    @Override
    public PoolSettings current() {
        return PoolSettings.fromSettingsJson(settings.get(), overrides, systemSiteOverride);
    }
}
