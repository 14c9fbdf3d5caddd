package io.runtimed.pool;

import java.nio.file.Path;
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

    /** Where the settings come from; asked once per build. */
    @FunctionalInterface
    public interface Source {
        PoolSettings current();
    }
}
