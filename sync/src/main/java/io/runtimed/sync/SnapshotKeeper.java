package io.runtimed.sync;

import org.automerge.Read;

/**
 * Keeps a replica's snapshot current across the receives that change it, from what each one changed
 * ({@link DocumentOwner#receiveWithPatches}) instead of reading the whole document after each.
 * Used by one thread (a replica's reader); {@link #read} and {@link #afterReceive} under the
 * replica's lock.
 *
 * @param <S> the snapshot type
 */
public interface SnapshotKeeper<S> {
    /** The whole document read, and remembered as of its {@code version}. */
    S read(Read doc, long version);

    /**
     * The snapshot after {@code received}; {@code version}: the document's version now. A keeper
     * that does not hold the snapshot of {@code received.before()}, or sees that the document moved
     * on since the receive, reads the whole document.
     */
    S afterReceive(Read doc, long version, DocumentOwner.Received received);

    /**
     * Whether the next receive should record its patches: recording them costs about what reading
     * a small document whole does, so a keeper of a small one reads instead.
     */
    default boolean worthPatching() {
        return true;
    }
}
