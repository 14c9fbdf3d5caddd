package io.runtimed.daemon;

import io.runtimed.protocol.MalformedMessageException;
import io.runtimed.sync.SyncMessageException;
import io.runtimed.rooms.settings.SettingsRoom;
import java.io.IOException;
import java.util.Optional;

/**
 * The {@code settings_sync} channel (PROTOCOL.md §6): every frame is a raw Automerge sync message
 * for the daemon's one settings document. A frame that is not one is the client's fault: one log
 * line from the router and the connection is dropped; sync peers have no error answer.
 */
public final class SettingsSyncChannel implements ChannelHandler {
    private final SettingsStartup settings;

    SettingsSyncChannel(SettingsStartup settings) {
        this.settings = settings;
    }

    @Override
    public void serve(Connection connection) throws IOException {
        SettingsRoom room = settings.await();
        try {
            room.serve(connection.id(), connection.frames());
        } catch (SyncMessageException e) {
            throw new MalformedMessageException(e.getMessage());
        }
    }

    @Override
    public Optional<byte[]> errorFrame(String message) {
        return Optional.empty();
    }
}
