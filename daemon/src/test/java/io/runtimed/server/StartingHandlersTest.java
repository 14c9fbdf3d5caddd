package io.runtimed.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runtimed.protocol.Handshake;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The handlers of a daemon that listens before it is fully assembled (issue 16). */
class StartingHandlersTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void thePoolChannelIsServedAtOnceAndTheOthersOnceReady() throws Exception {
        Named pool = new Named("pool");
        StartingHandlers handlers = new StartingHandlers(pool);
        assertThat(handlers.apply(new Handshake.Pool())).isSameAs(pool);

        CompletableFuture<ChannelHandler> settings = CompletableFuture.supplyAsync(
                () -> handlers.apply(new Handshake.SettingsSync()));
        // it waits: nothing has been handed over yet
        assertThat(settings.completeOnTimeout(null, 200, TimeUnit.MILLISECONDS).get()).isNull();

        CompletableFuture<ChannelHandler> waiting = CompletableFuture.supplyAsync(
                () -> handlers.apply(new Handshake.SettingsSync()));
        Named settingsHandler = new Named("settings");
        handlers.ready(new ChannelHandlers(pool, settingsHandler, new Named("notebook"), new Named("blob"),
                new Named("pool-state")));
        assertThat(waiting.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isSameAs(settingsHandler);
        assertThat(handlers.apply(new Handshake.Pool())).isSameAs(pool);
    }

    @Test
    void aFailedStartRefusesTheConnectionsThatWait() {
        StartingHandlers handlers = new StartingHandlers(new Named("pool"));
        handlers.failed(new IOException("cannot open the blob store"));
        assertThatThrownBy(() -> handlers.apply(new Handshake.SettingsSync()))
                .isInstanceOf(StartingHandlers.NotStartedException.class)
                .hasMessage("the daemon failed to start: cannot open the blob store");
    }

    @Test
    void aStartThatNeverEndsRefusesAfterTheWait() {
        StartingHandlers handlers = new StartingHandlers(new Named("pool"), Duration.ofMillis(50));
        assertThatThrownBy(() -> handlers.apply(new Handshake.NotebookSync("nb", null)))
                .isInstanceOf(StartingHandlers.NotStartedException.class)
                .hasMessageStartingWith("the daemon is still starting");
    }

    /** A handler that is only told apart by its name (none of these tests serves a connection). */
    private record Named(String name) implements ChannelHandler {
        @Override
        public void serve(Connection connection, Handshake handshake) {
            throw new UnsupportedOperationException(name);
        }

        @Override
        public Optional<byte[]> errorFrame(String message) {
            return Optional.empty();
        }
    }
}
