package io.runtimed.channel;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.daemon.Daemon;
import io.runtimed.daemon.DaemonConfig;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import io.runtimed.sync.NativeHandles;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real daemon in the test JVM, without pools, so that a channel test can count native handles:
 * {@link #close()} stops it and checks that every document it opened was freed.
 */
record InJvmDaemon(Daemon daemon, DaemonConfig config, NativeHandles.Counts before) implements AutoCloseable {
    static InJvmDaemon start(Path home) throws Exception {
        NativeHandles.Counts before = NativeHandles.counts();
        DaemonConfig config = DaemonConfig.builder(new RuntPaths(BaseDirs.under(home))).poolSizes(0, 0)
                .handshakeTimeout(Duration.ofSeconds(5)).build();
        return new InJvmDaemon(Daemon.start(config), config, before);
    }

    Path socket() {
        return config.socket();
    }

    @Override
    public void close() {
        daemon.close();
        assertThat(NativeHandles.counts().minus(before).liveDocuments()).as("documents not freed").isZero();
    }
}
