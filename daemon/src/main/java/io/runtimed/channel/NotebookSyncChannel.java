package io.runtimed.channel;

import io.runtimed.protocol.Handshake;
import io.runtimed.protocol.MalformedMessageException;
import io.runtimed.rooms.notebook.RoomRegistry;
import io.runtimed.server.ChannelHandler;
import io.runtimed.server.Connection;
import io.runtimed.sync.SyncMessageException;
import java.io.IOException;

/**
 * The {@code notebook_sync} channel (PROTOCOL.md §6, NOTEBOOK.md §5): the connection joins the
 * room of its handshake's notebook id and syncs raw Automerge messages with it, or, when the
 * handshake asks for {@code "protocol":"v2"}, typed frames with requests and broadcasts
 * (KERNELS.md §1). A frame that is
 * not a sync message drops this connection only; the room's other peers keep syncing.
 */
public final class NotebookSyncChannel implements ChannelHandler {
    private final RoomRegistry rooms;

    public NotebookSyncChannel(RoomRegistry rooms) {
        this.rooms = rooms;
    }

    @Override
    public void serve(Connection connection, Handshake handshake) throws IOException {
        Handshake.NotebookSync sync = (Handshake.NotebookSync) handshake;
        try {
            rooms.serve(sync.notebookId(), "peer-notebook-" + connection.id(), connection.frames(),
                    sync.wantsTypedFrames());
        } catch (SyncMessageException e) {
            throw new MalformedMessageException(e.getMessage());
        }
    }
}
