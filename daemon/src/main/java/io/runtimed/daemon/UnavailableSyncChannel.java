package io.runtimed.daemon;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sync channel this build does not serve yet. Sync peers understand nothing but Automerge
 * messages, so the only honest answer is to close the connection (PROTOCOL.md §6.1 drops a
 * connection it cannot serve); the log says why.
 */
public final class UnavailableSyncChannel implements ChannelHandler {
    private static final Logger LOG = LoggerFactory.getLogger(UnavailableSyncChannel.class);
    private final String channel;

    public UnavailableSyncChannel(String channel) {
        this.channel = channel;
    }

    @Override
    public void serve(Connection connection) {
        LOG.warn("{}: the {} channel is not available in this daemon; closing", connection, channel);
    }

    @Override
    public Optional<byte[]> errorFrame(String message) {
        return Optional.empty();
    }
}
