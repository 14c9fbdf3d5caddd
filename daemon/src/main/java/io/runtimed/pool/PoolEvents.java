package io.runtimed.pool;

import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PoolError;
import java.util.Optional;

/** What the pools tell the warming machinery, and what status asks of it. */
public interface PoolEvents {
    /** An environment left the pool: build more if it is below target. */
    void refill(EnvType type);

    /** The pools were flushed: builds in flight were started with old settings and are discarded. */
    void flushed();

    /** What builds this pool, for status; empty before detection finished. */
    Optional<String> backend(EnvType type);

    Optional<PoolError> lastError(EnvType type);

    /** For pools that nothing refills (tests, or a daemon with both pool sizes 0). */
    PoolEvents NONE = new PoolEvents() {
        @Override
        public void refill(EnvType type) {
        }

        @Override
        public void flushed() {
        }

        @Override
        public Optional<String> backend(EnvType type) {
            return Optional.empty();
        }

        @Override
        public Optional<PoolError> lastError(EnvType type) {
            return Optional.empty();
        }
    };
}
