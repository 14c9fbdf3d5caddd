package io.runtimed.daemon;

import io.runtimed.execution.KernelOptions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import io.runtimed.pool.PoolOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** POOL.md §2 and DAEMON.md §2: what `runtimed run` uses when given no flags, and what a flag moves. */
class DaemonConfigTest {
    private static final RuntPaths PATHS = new RuntPaths(BaseDirs.of(BaseDirs.Os.LINUX, Map.of("HOME", "/home/alice"), null));

    @Test
    void defaultsAreThreeUvThreeCondaAndTwoDaysMaxAge() {
        DaemonConfig config = DaemonConfig.builder(PATHS).build();

        assertThat(config.uvPoolSize()).isEqualTo(3);
        assertThat(config.condaPoolSize()).isEqualTo(3);
        assertThat(config.maxEnvAge()).isEqualTo(Duration.ofSeconds(172_800));
        assertThat(config.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.pool()).isEqualTo(PoolOptions.defaults());
    }

    @Test
    void defaultPathsAreTheSharedLayout() {
        DaemonConfig config = DaemonConfig.builder(PATHS).build();

        assertThat(config.socket()).isEqualTo(Path.of("/home/alice/.cache/runt/runtimed.sock"));
        assertThat(config.envRoot()).isEqualTo(Path.of("/home/alice/.cache/runt/envs"));
        assertThat(config.blobDir()).isEqualTo(Path.of("/home/alice/.cache/runt/blobs"));
        assertThat(config.runtDir()).isEqualTo(PATHS.runtDir());
        assertThat(config.settingsDir()).isEqualTo(PATHS.settingsDir());
        assertThat(config.lockFile()).isEqualTo(PATHS.lockFile());
        assertThat(config.infoFile()).isEqualTo(PATHS.infoFile());
        assertThat(config.obsoleteSyncSocket()).isEqualTo(PATHS.obsoleteSyncSocket());
        assertThat(config.notebookDocsDir()).isEqualTo(PATHS.notebookDocsDir());
        assertThat(config.settingsJson()).isEqualTo(PATHS.settingsJson());
    }

    @Test
    void movingTheSocketDoesNotMoveTheLockOrDaemonJson() {
        DaemonConfig moved = DaemonConfig.builder(PATHS).socket(Path.of("/tmp/other.sock")).build();

        assertThat(moved.socket()).isEqualTo(Path.of("/tmp/other.sock"));
        assertThat(moved.lockFile()).isEqualTo(PATHS.lockFile());
        assertThat(moved.infoFile()).isEqualTo(PATHS.infoFile());
    }

    @Test
    void eachSetterChangesOnlyItsOwnValue() {
        PoolOptions pool = new PoolOptions(Path.of("/opt/uv"), null, null, true, null, null, 1, Duration.ofSeconds(1),
                Duration.ofMinutes(1));
        KernelOptions kernels = new KernelOptions(0, Duration.ofSeconds(3), List.of("numpy"), Path.of("/run/k"));
        DaemonConfig config = DaemonConfig.builder(PATHS)
                .envRoot(Path.of("/data/envs"))
                .blobDir(Path.of("/data/blobs"))
                .poolSizes(1, 0)
                .maxEnvAge(Duration.ofHours(1))
                .handshakeTimeout(Duration.ofSeconds(5))
                .pool(pool)
                .kernels(kernels)
                .build();

        assertThat(config).isEqualTo(new DaemonConfig(PATHS, PATHS.defaultSocket(), Path.of("/data/envs"),
                Path.of("/data/blobs"), 1, 0, Duration.ofHours(1), Duration.ofSeconds(5), pool, kernels));
    }

    @Test
    void aNegativePoolSizeIsRefused() {
        assertThatThrownBy(() -> DaemonConfig.builder(PATHS).poolSizes(-1, 3).build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
