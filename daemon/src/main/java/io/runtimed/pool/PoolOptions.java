package io.runtimed.pool;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the pools are built, from the command line: explicit tools, the interpreter and index for
 * locked-down machines, build concurrency and retry delays. Null paths mean "find it".
 */
public record PoolOptions(Path uv, Path conda, Path python, boolean systemSitePackages, String pipIndexUrl,
                          Path pipFindLinks, int buildThreads, Duration firstRetry, Duration maxRetry) {

    /** Two builds at a time: one per core on the 2-core machines this daemon is sized for. */
    public static final int DEFAULT_BUILD_THREADS = 2;

    public static PoolOptions defaults() {
        return new PoolOptions(null, null, null, false, null, null, DEFAULT_BUILD_THREADS,
                Duration.ofSeconds(5), Duration.ofMinutes(10));
    }

    /** The command line's part of the pool settings (null where not given). */
    public PoolSettings asOverrides() {
        return new PoolSettings(java.util.List.of(), java.util.List.of(), python, systemSitePackages,
                pipIndexUrl, pipFindLinks);
    }
}
