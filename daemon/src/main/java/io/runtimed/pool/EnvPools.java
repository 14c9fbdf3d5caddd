package io.runtimed.pool;

import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PoolStats;
import io.runtimed.protocol.PooledEnv;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The uv and conda pools over one env root: adoption of environments found at start, take, return,
 * flush and status (POOL.md §4, §7–§10). Only directories of our own naming are ever deleted.
 */
public final class EnvPools {
    private static final Logger LOG = LoggerFactory.getLogger(EnvPools.class);

    private final EnvDirectories dirs;
    private final Map<EnvType, PoolInventory> pools = new EnumMap<>(EnvType.class);
    private final Clock clock;
    private final Duration maxAge;
    private volatile PoolEvents events = PoolEvents.NONE;

    public EnvPools(Path envRoot, int uvTarget, int condaTarget, Duration maxAge, Clock clock) {
        this.dirs = new EnvDirectories(envRoot);
        this.clock = clock;
        this.maxAge = maxAge;
        pools.put(EnvType.UV, new PoolInventory(EnvType.UV, uvTarget, maxAge, clock));
        pools.put(EnvType.CONDA, new PoolInventory(EnvType.CONDA, condaTarget, maxAge, clock));
    }

    public PoolInventory pool(EnvType type) {
        return pools.get(type);
    }

    public EnvDirectories directories() {
        return dirs;
    }

    /** Connects the warming machinery (set once while the daemon is wired, before serving). */
    public void setEvents(PoolEvents events) {
        this.events = events;
    }

    /**
     * POOL.md §4 with its §11 fixes: finished environments of our naming (interpreter and
     * {@code .warmed} marker) join their pool up to its target, aged by the marker's time so the
     * maximum age holds across restarts. Unfinished ones (an interrupted build), stale ones and
     * surplus ones are removed. Directories not of our naming are never touched. Returns how many
     * were adopted.
     */
    public int adoptExisting() {
        int adopted = 0;
        Instant now = clock.instant();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dirs.root())) {
            for (Path dir : entries) {
                Optional<EnvType> type = dirs.typeOf(dir);
                if (type.isEmpty() || !Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                PoolInventory pool = pools.get(type.get());
                if (!EnvDirectories.isReady(type.get(), dir)) {
                    LOG.info("removing unfinished environment {}", dir);
                    deleteQuietly(dir);
                    continue;
                }
                Instant finished = finishedAt(dir);
                if (Duration.between(finished, now).compareTo(maxAge) >= 0) {
                    LOG.info("removing stale environment {} (finished {})", dir, finished);
                    deleteQuietly(dir);
                } else if (pool.hasRoom()) {
                    pool.add(EnvDirectories.describe(type.get(), dir), finished);
                    adopted++;
                } else {
                    LOG.info("removing surplus environment {}", dir);
                    deleteQuietly(dir);
                }
            }
        } catch (NoSuchFileException e) {
            return 0; // no env root yet: nothing to adopt
        } catch (IOException e) {
            LOG.warn("cannot list {}: {}", dirs.root(), e.getMessage());
        }
        if (adopted > 0) {
            LOG.info("adopted {} environment(s) from {}", adopted, dirs.root());
        }
        return adopted;
    }

    /** POOL.md §7: the oldest usable environment, which now belongs to the caller; the pool refills. */
    public Optional<PooledEnv> take(EnvType type) {
        Optional<PooledEnv> env = takeWithoutRefill(type);
        refill(type);
        return env;
    }

    /**
     * As {@link #take}, but the caller calls {@link #refill} once its answer is on its way: the
     * pool channel answers first, so the build a take starts (a process start, then a CPU-heavy
     * build on a 2-core machine) never competes with the answer it owes (issue 16).
     */
    public Optional<PooledEnv> takeWithoutRefill(EnvType type) {
        Optional<PooledEnv> env = pools.get(type).take(stale -> {
            LOG.info("pruning stale environment {}", stale.venvPath());
            deleteQuietly(Path.of(stale.venvPath()));
        });
        env.ifPresent(e -> LOG.info("handed out {}", e.venvPath()));
        return env;
    }

    /** POOL.md §1: builds what the pool of {@code type} lacks (nothing while it is full). */
    public void refill(EnvType type) {
        events.refill(type);
    }

    /**
     * POOL.md §8: a returned environment rejoins its pool if there is room, else it is deleted. An
     * environment that is not ours (outside the env root or not of our naming) is refused and left
     * untouched: the original would delete whatever path a client sent.
     */
    public void giveBack(PooledEnv env) throws ReturnRefusedException {
        if (!dirs.isOurs(env)) {
            throw new ReturnRefusedException("not an environment of this daemon: " + env.venvPath()
                    + " (expected " + dirs.root() + "/" + EnvDirectories.prefix(env.envType()) + "<uuid>)");
        }
        Path dir = Path.of(env.venvPath());
        PoolInventory pool = pools.get(env.envType());
        synchronized (pool) {
            if (pool.hasRoom() && EnvDirectories.isReady(env.envType(), dir)) {
                pool.add(EnvDirectories.describe(env.envType(), dir.toAbsolutePath().normalize()), clock.instant());
                LOG.info("took back {}", dir);
                return;
            }
        }
        LOG.info("removing returned environment {} (pool full or environment unfinished)", dir);
        deleteQuietly(dir);
    }

    /** POOL.md §9: drops and deletes every available environment, uv first, then conda. */
    public int flush() {
        int removed = 0;
        for (EnvType type : List.of(EnvType.UV, EnvType.CONDA)) {
            for (PooledEnv env : pools.get(type).drain()) {
                deleteQuietly(Path.of(env.venvPath()));
                removed++;
            }
        }
        LOG.info("flushed {} environment(s)", removed);
        events.flushed();
        return removed;
    }

    public PoolStats stats() {
        PoolInventory uv = pools.get(EnvType.UV);
        PoolInventory conda = pools.get(EnvType.CONDA);
        return new PoolStats(uv.available(), uv.warming(), conda.available(), conda.warming(),
                events.backend(EnvType.UV).orElse(null), events.backend(EnvType.CONDA).orElse(null),
                events.lastError(EnvType.UV).orElse(null), events.lastError(EnvType.CONDA).orElse(null));
    }

    /** When the environment was finished: the time of its {@code .warmed} marker. */
    private static Instant finishedAt(Path dir) {
        try {
            return Files.getLastModifiedTime(dir.resolve(EnvDirectories.WARMED_MARKER)).toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            EnvDirectories.deleteTree(dir);
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", dir, e.getMessage());
        }
    }
}
