package io.runtimed.outputs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.blob.BlobStore;
import io.runtimed.protocol.BlobHash;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The output pipeline's view of the {@link BlobStore}: every manifest and content blob goes through
 * here, so that the intermediate blobs of a growing stream output can be deleted once superseded
 * (KERNELS.md §8.2 "(ours)": no blob per intermediate chunk).
 *
 * <p>A blob is <em>provisional</em> when a stream write created it (it did not exist before) and
 * the stream's output may still be superseded. Provisional blobs are deleted by {@link #release}
 * and made permanent by {@link #keep}; any other write of the same content through this instance
 * pins it at once, so a blob something else refers to is never deleted. Share one instance among
 * all rooms of a daemon: then that holds across rooms. (A client that uploads the same bytes through
 * the blob channel at the same moment is not seen; intermediate stream text is not what clients
 * upload.)
 *
 * <p>Thread-safe: the provisional set is guarded by this object's monitor; store I/O runs outside it,
 * under a lock of the blob's hash (one of {@link #STRIPES}): a put that finds a blob stored and pins
 * it, and a release that unpins and deletes it, never overlap, so a blob a put refers to is not
 * deleted between its store's answer and its pin.
 */
public final class OutputBlobs {
    private static final int STRIPES = 64;
    private final BlobStore store;
    private final AtomicLong bytesWritten = new AtomicLong();
    /** Locks by hash (a put and a release of the same bytes); distinct blobs rarely share one. */
    private final Object[] stripes = new Object[STRIPES];
    // guarded by this
    private final Set<String> provisional = new HashSet<>();

    public OutputBlobs(BlobStore store) {
        this.store = store;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
    }

    private Object stripe(String hash) {
        return stripes[Math.floorMod(hash.hashCode(), STRIPES)];
    }

    public BlobStore store() {
        return store;
    }

    /**
     * Bytes of blob data this instance created in the store (content already there costs nothing,
     * except a permanent blob that was stored before it was deferred again: it is not looked up).
     */
    public long bytesWritten() {
        return bytesWritten.get();
    }

    Optional<byte[]> get(String hash) throws IOException {
        return store.get(hash);
    }

    /**
     * KERNELS.md §8: stores one nbformat output (as a file or a kernel gives it) as a manifest and
     * returns what the document holds for it: the manifest's hash, or on a blob-store error the
     * output's JSON (§7.2). Its blobs are permanent (never provisional).
     */
    public String storeOutput(ObjectNode nbformatOutput) {
        return OutputManifest.store(nbformatOutput, session(false));
    }

    /** A session for one output write; {@code provisional} for stream writes that may be superseded. */
    Session session(boolean provisional) {
        return new Session(provisional);
    }

    /** The given hashes are referenced for good: never deleted by {@link #release}. */
    synchronized void keep(Collection<String> hashes) {
        provisional.removeAll(hashes);
    }

    /** The given hashes are no longer referenced: those still provisional are deleted. */
    void release(Collection<String> hashes) {
        for (String h : hashes) {
            synchronized (stripe(h)) {
                boolean gone;
                synchronized (this) {
                    gone = provisional.remove(h);
                }
                if (gone) {
                    store.delete(h);
                }
            }
        }
    }

    private String put(byte[] data, String mediaType, boolean makeProvisional, List<String> created) throws IOException {
        String hash = BlobHash.of(data);
        synchronized (stripe(hash)) {
            return put(hash, data, mediaType, makeProvisional, created);
        }
    }

    /** Under the hash's stripe: a release of the same bytes waits (see the class comment). */
    private String put(String hash, byte[] data, String mediaType, boolean makeProvisional, List<String> created)
            throws IOException {
        // outputs reach peers before they are durable; the room's journal commits these before it
        // writes the change that refers to them (BlobStore: deferred blobs)
        if (!makeProvisional) {
            // referenced for good, whether it was stored before or not: no need to ask the disk
            // (a system call on the output's way); pinned should it have been provisional
            BlobStore.Deferral held = store.putDeferredBlind(hash, data, mediaType);
            synchronized (this) {
                provisional.remove(held.hash());
            }
            if (held.created()) {
                bytesWritten.addAndGet(data.length);
            }
            return held.hash();
        }
        BlobStore.Deferral stored = store.putDeferred(hash, data, mediaType);
        synchronized (this) {
            if (!stored.created()) {
                // a second write of provisional content means a second reference: pin it
                provisional.remove(hash);
            } else if (makeProvisional) {
                provisional.add(hash);
            }
        }
        if (stored.created()) {
            bytesWritten.addAndGet(data.length);
            if (makeProvisional) {
                created.add(hash);
            }
        }
        return hash;
    }

    /** The blobs one output write created. */
    final class Session {
        private final boolean makeProvisional;
        private final List<String> created = new ArrayList<>();

        private Session(boolean makeProvisional) {
            this.makeProvisional = makeProvisional;
        }

        String put(byte[] data, String mediaType) throws IOException {
            return OutputBlobs.this.put(data, mediaType, makeProvisional, created);
        }

        /** The provisional blobs this session created (empty for a session that is not provisional). */
        List<String> created() {
            return List.copyOf(created);
        }
    }
}
