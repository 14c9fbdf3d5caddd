package io.runtimed.pool;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.protocol.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pool settings from the user's settings.json ({@code <config>/runt-notebook/settings.json},
 * SETTINGS.md §6), read at each build, with the command line's values taking precedence. Keys:
 * {@code uv.default_packages}, {@code conda.default_packages} (SETTINGS.md §1), and for offline or
 * locked-down machines {@code uv.python}, {@code uv.system_site_packages} ("true"/"false"),
 * {@code uv.pip_index_url}, {@code uv.pip_find_links}. A missing or unreadable file means defaults.
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
        JsonNode root = read();
        JsonNode uv = root.path("uv");
        JsonNode conda = root.path("conda");
        Path python = overrides.python() != null ? overrides.python() : path(uv.path("python"));
        boolean systemSite = systemSiteOverride || truthy(uv.path("system_site_packages"));
        String index = overrides.pipIndexUrl() != null ? overrides.pipIndexUrl() : text(uv.path("pip_index_url"));
        Path findLinks = overrides.pipFindLinks() != null ? overrides.pipFindLinks() : path(uv.path("pip_find_links"));
        return new PoolSettings(strings(uv.path("default_packages")), strings(conda.path("default_packages")),
                python, systemSite, index, findLinks);
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

    private static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            for (JsonNode e : node) {
                if (e.isTextual() && !e.asText().isBlank()) {
                    out.add(e.asText().trim());
                }
            }
        }
        return out;
    }

    private static String text(JsonNode node) {
        return node.isTextual() && !node.asText().isBlank() ? node.asText().trim() : null;
    }

    private static Path path(JsonNode node) {
        String t = text(node);
        return t == null ? null : Path.of(t);
    }

    private static boolean truthy(JsonNode node) {
        return node.isBoolean() ? node.asBoolean() : node.isTextual() && node.asText().trim().equalsIgnoreCase("true");
    }
}
