package io.runtimed.server;

import io.runtimed.protocol.Handshake;

/** The handler for each channel; the daemon fills it in as subsystems start. */
public record ChannelHandlers(ChannelHandler pool, ChannelHandler settingsSync, ChannelHandler notebookSync,
                              ChannelHandler blob, ChannelHandler poolStateSubscribe) {

    public ChannelHandler forHandshake(Handshake handshake) {
        if (handshake instanceof Handshake.Pool) {
            return pool;
        } else if (handshake instanceof Handshake.SettingsSync) {
            return settingsSync;
        } else if (handshake instanceof Handshake.NotebookSync) {
            return notebookSync;
        } else if (handshake instanceof Handshake.PoolStateSubscribe) {
            return poolStateSubscribe;
        }
        return blob;
    }
}
