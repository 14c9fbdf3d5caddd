package io.runtimed.pool;

import io.runtimed.execution.KernelOptions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runtimed.client.PoolClient;
import io.runtimed.client.SettingsClient;
import io.runtimed.daemon.Daemon;
import io.runtimed.daemon.DaemonConfig;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import io.runtimed.testkit.SystemPackages;
import io.runtimed.tools.StandIns;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** POOL.md §5 step 3 with the settings document: each build reads the live settings; flush_pool rebuilds. */
class PoolsFollowSettingsTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    Daemon daemon;

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void packagesSetThroughASettingsClientReachTheNextBuildAfterAFlush() throws Exception {
        SystemPackages.requireIpykernelAndIpywidgets();
        StandIns tools = new StandIns(tmp.resolve("tools"));
        Path uv = tools.uv();
        PoolOptions options = new PoolOptions(uv, null, null, false, null, null, 1, Duration.ofSeconds(1),
                Duration.ofSeconds(5));
        DaemonConfig config = DaemonConfig.builder(new RuntPaths(BaseDirs.under(tmp))).poolSizes(1, 0)
                .handshakeTimeout(Duration.ofSeconds(5)).pool(options)
                .kernels(KernelOptions.defaults(tmp).withPoolSize(0)).build();
        Path socket = config.socket();
        daemon = Daemon.start(config);
        PoolClient pool = new PoolClient(socket);
        await().atMost(WAIT).until(() -> pool.status().uvAvailable() == 1);
        assertThat(tools.calls("pip")).hasSize(1);
        assertThat(tools.calls("pip").get(0)).endsWith("ipykernel", "ipywidgets");

        try (SettingsClient settings = SettingsClient.connect(socket)) {
            settings.set("uv.default_packages", List.of("numpy", "pandas"));
            assertThat(settings.awaitSynced(Duration.ofSeconds(10))).isTrue();
        }
        pool.flush();
        await().atMost(WAIT).until(() -> tools.calls("pip").size() == 2 && pool.status().uvAvailable() == 1);
        assertThat(tools.calls("pip").get(1)).endsWith("ipykernel", "ipywidgets", "numpy", "pandas");
    }
}
