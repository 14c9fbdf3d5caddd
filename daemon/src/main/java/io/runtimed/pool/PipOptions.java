package io.runtimed.pool;

import java.util.List;

/** The index options that pip and {@code uv pip} share, added only when the user set them. */
final class PipOptions {
    private PipOptions() {
    }

    static void add(List<String> command, PoolSettings settings) {
        if (settings.pipIndexUrl() != null) {
            command.add("--index-url");
            command.add(settings.pipIndexUrl());
        }
        if (settings.pipFindLinks() != null) {
            command.add("--find-links");
            command.add(settings.pipFindLinks().toString());
        }
    }
}
