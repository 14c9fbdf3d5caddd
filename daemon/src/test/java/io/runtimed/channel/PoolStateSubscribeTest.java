package io.runtimed.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runtimed.client.DaemonSocket;
import io.runtimed.client.PoolClient;
import io.runtimed.client.PoolStateSubscription;
import io.runtimed.daemon.Daemon;
import io.runtimed.daemon.DaemonConfig;
import io.runtimed.execution.KernelOptions;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import io.runtimed.pool.PoolOptions;
import io.runtimed.protocol.FrameChannel;
import io.runtimed.protocol.Frames;
import io.runtimed.protocol.Handshake;
import io.runtimed.protocol.PoolError;
import io.runtimed.protocol.PoolState;
import io.runtimed.protocol.PoolStats;
import io.runtimed.tools.StandIns;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KERNELS.md §11.1 {@code pool_state_subscribe} and PoolError in a real daemon whose uv is a stand-in
 * that fails when the test opens its gate, printing uv's "was not found" error (§11.2): the
 * initial frame, a frame when the pool starts failing (with the failing package, the failure count
 * and the seconds to the retry), and the end of the subscription when the client or the daemon goes.
 */
class PoolStateSubscribeTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String UV_SAYS = "  × No solution found when resolving dependencies:\n"
            + "  ╰─▶ Because numpyy was not found in the package registry and you require numpyy, we can conclude "
            + "that your requirements are unsatisfiable.";

    @TempDir
    Path tmp;
    Daemon daemon;
    Path socket;
    Path gate;

    @BeforeEach
    void start() throws Exception {
        StandIns tools = new StandIns(tmp.resolve("tools"));
        gate = tmp.resolve("fail-now");
        Path uv = tools.uvFailingOnceOpen(gate, UV_SAYS);
        // a first retry of a minute, so retry_in_secs is well above 0 when the test reads it
        PoolOptions options = new PoolOptions(uv, null, null, false, null, null, 1, Duration.ofSeconds(60),
                Duration.ofSeconds(300));
        DaemonConfig config = DaemonConfig.builder(new RuntPaths(BaseDirs.under(tmp))).poolSizes(1, 0)
                .handshakeTimeout(Duration.ofSeconds(5)).pool(options)
                .kernels(KernelOptions.defaults(tmp).withPoolSize(0)).build();
        socket = config.socket();
        daemon = Daemon.start(config);
    }

    @AfterEach
    void stop() throws Exception {
        Files.writeString(gate, ""); // lets a waiting stand-in end
        daemon.close();
    }

    @Test
    void theFirstFrameComesAtOnceThenOneWhenThePoolStartsFailingAndTheSubscriptionEndsWithTheDaemon()
            throws Exception {
        PoolClient client = new PoolClient(socket);
        try (FrameChannel raw = DaemonSocket.open(socket, new Handshake.PoolStateSubscribe(), WAIT)) {
            assertThat(new String(raw.readFrame(Frames.DATA_MAX, WAIT), StandardCharsets.UTF_8))
                    .isEqualTo("{\"event\":\"pool_state\",\"uv_error\":null,\"conda_error\":null}");

            BlockingQueue<PoolState> states = new LinkedBlockingQueue<>();
            try (PoolStateSubscription sub = client.subscribePoolState(states::add)) {
                assertThat(states.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(PoolState.healthy());

                Files.writeString(gate, "");
                PoolState failing = states.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(failing).isNotNull();
                assertThat(failing.condaError()).isNull();
                PoolError uv = failing.uvError();
                assertThat(uv).isNotNull();
                assertThat(uv.message()).startsWith("uv venv failed (exit 2): ").contains("numpyy was not found");
                assertThat(uv.failedPackage()).isEqualTo("numpyy");
                assertThat(uv.consecutiveFailures()).isEqualTo(1);
                assertThat(uv.retryInSecs()).isBetween(50L, 60L);

                // the raw subscriber got the same change, as the spec's JSON
                String frame = new String(raw.readFrame(Frames.DATA_MAX, WAIT), StandardCharsets.UTF_8);
                assertThat(frame).startsWith("{\"event\":\"pool_state\",\"uv_error\":{\"message\":\"uv venv failed (exit 2): ")
                        .contains("\"failed_package\":\"numpyy\",\"consecutive_failures\":1,\"retry_in_secs\":")
                        .endsWith("},\"conda_error\":null}");

                // and status carries the same error, counted down to the moment of the answer
                PoolStats stats = client.status();
                assertThat(stats.uvError().failedPackage()).isEqualTo("numpyy");
                assertThat(stats.uvError().consecutiveFailures()).isEqualTo(1);
                assertThat(stats.uvError().retryInSecs()).isBetween(1L, 60L);
                assertThat(stats.condaError()).isNull();

                daemon.close();
                sub.ended().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(raw.readFrame(Frames.DATA_MAX, WAIT)).as("the daemon closed the subscription").isNull();
            }
        }
    }

    @Test
    void aSubscriberThatClosesItsSocketEndsItsSubscription() throws Exception {
        BlockingQueue<PoolState> states = new LinkedBlockingQueue<>();
        PoolStateSubscription sub = new PoolClient(socket).subscribePoolState(states::add);
        assertThat(states.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(PoolState.healthy());
        await().atMost(WAIT).until(() -> subscriptionThreads() == 2);
        sub.close();
        sub.ended().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        await("the daemon's reader and writer ended").atMost(WAIT).until(() -> subscriptionThreads() == 0);
    }

    private static long subscriptionThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("peer-pool_state_subscribe-")).count();
    }
}
