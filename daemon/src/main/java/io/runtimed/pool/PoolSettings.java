package io.runtimed.pool;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a new environment is built with, read at the moment a build starts (POOL.md §5 step 3), so
 * a settings change applies to every later build and a flush rebuilds the ready ones.
 *
 * @param uvPackages         extra pip packages for uv envs ({@code uv.default_packages})
 * @param condaPackages      extra conda match specs ({@code conda.default_packages})
 * @param python             interpreter for new uv-type envs, or null for the backend's default
 * @param systemSitePackages whether uv-type envs see the interpreter's site-packages
 * @param pipIndexUrl        package index for pip/uv, or null for the default
 * @param pipFindLinks       a local directory of wheels for pip/uv, or null
 */
public record PoolSettings(List<String> uvPackages, List<String> condaPackages, Path python,
                           boolean systemSitePackages, String pipIndexUrl, Path pipFindLinks) {

    public PoolSettings {
        uvPackages = List.copyOf(uvPackages);
        condaPackages = List.copyOf(condaPackages);
    }

    public static PoolSettings defaults() {
        return new PoolSettings(List.of(), List.of(), null, false, null, null);
    }

    /**
     * The pool's part of a settings.json-shaped tree: {@code uv.default_packages},
     * {@code conda.default_packages} (SETTINGS.md §1), and for offline or locked-down machines
     * {@code uv.python}, {@code uv.system_site_packages} ("true"/"false"), {@code uv.pip_index_url},
     * {@code uv.pip_find_links}; the command line's values win.
     *
     * @param overrides          command-line values; null fields (and empty lists) mean "not given"
     * @param systemSiteOverride whether {@code --system-site-packages} was given
     */
    public static PoolSettings fromSettingsJson(JsonNode root, PoolSettings overrides, boolean systemSiteOverride) {
        JsonNode uv = root.path("uv");
        JsonNode conda = root.path("conda");
        Path python = overrides.python() != null ? overrides.python() : path(uv.path("python"));
        boolean systemSite = systemSiteOverride || truthy(uv.path("system_site_packages"));
        String index = overrides.pipIndexUrl() != null ? overrides.pipIndexUrl() : text(uv.path("pip_index_url"));
        Path findLinks = overrides.pipFindLinks() != null ? overrides.pipFindLinks() : path(uv.path("pip_find_links"));
        return new PoolSettings(strings(uv.path("default_packages")), strings(conda.path("default_packages")),
                python, systemSite, index, findLinks);
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

    /** Where the settings come from; asked once per build. */
    @FunctionalInterface
    public interface Source {
        PoolSettings current();
    }
}
