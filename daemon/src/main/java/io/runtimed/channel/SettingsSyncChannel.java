package io.runtimed.channel;

import io.runtimed.protocol.Handshake;
import io.runtimed.protocol.MalformedMessageException;
import io.runtimed.rooms.settings.SettingsRoom;
import io.runtimed.rooms.settings.SettingsRoomOpener;
import io.runtimed.server.ChannelHandler;
import io.runtimed.server.Connection;
import io.runtimed.sync.SyncMessageException;
import java.io.IOException;

/**
 * The {@code settings_sync} channel (PROTOCOL.md §6): every frame is a raw Automerge sync message
 * for the daemon's one settings document. A frame that is not one is the client's fault: one log
 * line from the router and the connection is dropped; sync peers have no error answer.
 */
public final class SettingsSyncChannel implements ChannelHandler {
    private final SettingsRoomOpener settings;

    public SettingsSyncChannel(SettingsRoomOpener settings) {
        this.settings = settings;
    }

    @Override
    public void serve(Connection connection, Handshake handshake) throws IOException {
        SettingsRoom room = settings.await();
        try {
            room.serve(connection.id(), connection.frames());
        } catch (SyncMessageException e) {
            throw new MalformedMessageException(e.getMessage());
        }
    }
}
