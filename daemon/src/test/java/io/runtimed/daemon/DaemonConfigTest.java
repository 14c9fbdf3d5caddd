package io.runtimed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** POOL.md §2 and DAEMON.md §2: what `runtimed run` uses when given no flags. */
class DaemonConfigTest {
    private static final RuntPaths PATHS = new RuntPaths(BaseDirs.of(BaseDirs.Os.LINUX, Map.of("HOME", "/home/alice"), null));

    @Test
    void defaultsAreThreeUvThreeCondaAndTwoDaysMaxAge() {
        DaemonConfig config = DaemonConfig.defaults(PATHS);

        assertThat(config.uvPoolSize()).isEqualTo(3);
        assertThat(config.condaPoolSize()).isEqualTo(3);
        assertThat(config.maxEnvAge()).isEqualTo(Duration.ofSeconds(172_800));
    }

    @Test
    void defaultPathsAreTheSharedLayout() {
        DaemonConfig config = DaemonConfig.defaults(PATHS);

        assertThat(config.socket()).isEqualTo(Path.of("/home/alice/.cache/runt/runtimed.sock"));
        assertThat(config.envRoot()).isEqualTo(Path.of("/home/alice/.cache/runt/envs"));
        assertThat(config.blobDir()).isEqualTo(Path.of("/home/alice/.cache/runt/blobs"));
        assertThat(config.lockFile()).isEqualTo(PATHS.lockFile());
        assertThat(config.infoFile()).isEqualTo(PATHS.infoFile());
        assertThat(config.obsoleteSyncSocket()).isEqualTo(PATHS.obsoleteSyncSocket());
    }

    @Test
    void movingTheSocketDoesNotMoveTheLockOrDaemonJson() {
        DaemonConfig moved = DaemonConfig.defaults(PATHS).withSocket(Path.of("/tmp/other.sock"));

        assertThat(moved.socket()).isEqualTo(Path.of("/tmp/other.sock"));
        assertThat(moved.lockFile()).isEqualTo(PATHS.lockFile());
        assertThat(moved.infoFile()).isEqualTo(PATHS.infoFile());
    }
}
