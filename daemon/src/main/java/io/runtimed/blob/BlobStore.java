package io.runtimed.blob;

import io.runtimed.protocol.BlobHash;
import io.runtimed.protocol.BlobMeta;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.MalformedMessageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BLOBS.md §1–§4: the content-addressed store on disk. A blob is named by the SHA-256 of its bytes
 * and lives at {@code <root>/<h[0..2]>/<h[2..64]>} with its metadata in a {@code .meta} sidecar
 * next to it. Files only ever appear complete: each is written to a temp file, fsynced, and then
 * linked (or renamed) into place, so a reader sees either no blob or the whole blob, and two writers
 * of the same content both succeed with one file.
 *
 * <p>Every hash argument is validated (BLOBS.md §3) before a path is built from it; an invalid one
 * is "not found" and never touches the file system.
 *
 * <p><b>Deferred blobs.</b> {@link #putDeferred} is for a writer that must not wait for the disk
 * (a kernel's outputs): a small blob (up to {@link #IN_MEMORY_BYTES}) is held in memory, a larger
 * one goes to a temp file at once, without fsync, and the blob is served from there;
 * {@link #commitDeferred} later writes, fsyncs and links every such blob into place exactly as
 * {@link #put} would. (An output's manifest is small: no file is made on the output's way to the
 * document, only in the journal's write that follows.) A blob is never linked under its hash
 * before its bytes are durable, so a crash can lose a deferred blob but never leave a torn one that
 * looks stored. The caller orders the commit before whatever durable record refers to the blob
 * (the notebook's journal commits them before each write).
 *
 * <p>Thread-safe: its state is the root and the map of deferred blobs.
 */
public final class BlobStore {
    private static final Logger LOG = LoggerFactory.getLogger(BlobStore.class);
    /** BLOBS.md §4 step 1: 100 MiB; exactly this many bytes is accepted. */
    public static final long MAX_BLOB_BYTES = 104_857_600L;
    /** BLOBS.md §1: temp files are {@code .tmp.<uuid>} (data) and {@code .tmp.<uuid>.meta}. */
    static final String TEMP_PREFIX = ".tmp.";
    static final String META_SUFFIX = ".meta";
    /**
     * Up to this size a streamed blob is collected in memory and hashed before anything is written:
     * an already stored blob then costs no disk write at all, and the temp file can live in its
     * shard directory as BLOBS.md §1 says. Larger blobs are hashed while they are written.
     */
    static final int IN_MEMORY_BYTES = 256 * 1024;
    private static final int COPY_BUFFER_BYTES = 64 * 1024;

    /** Writes a blob's bytes into a sink: exactly the length announced to {@link #put(long, String, Source)}. */
    @FunctionalInterface
    public interface Source {
        void writeTo(WritableByteChannel sink) throws IOException;
    }

    /** A deferred blob: its bytes in memory ({@code temp} null), or in a temp file of its shard not yet fsynced. */
    private record Deferred(Path temp, byte[] bytes, String mediaType, long size) {
    }

    private final Path root;
    private final Clock clock;
    private final ConcurrentHashMap<String, Deferred> deferred = new ConcurrentHashMap<>();
    /** Shard directories seen to exist (see {@link #isWritableShard}). */
    private final Set<String> knownShards = ConcurrentHashMap.newKeySet();
    /**
     * Whether a shard was found writable, and no commit failed since: {@link #putDeferredBlind}
     * then trusts every shard (a missing one is made by the commit) but those in
     * {@link #failedShards}.
     */
    private volatile boolean shardsTrusted;
    /** Shards a commit could not write into: asked about again at each blind put. */
    private final Set<String> failedShards = ConcurrentHashMap.newKeySet();
    /** One commit at a time, so that a commit that returns has made every blob before it durable. */
    private final ReentrantLock committing = new ReentrantLock();

    public BlobStore(Path root) {
        this(root, Clock.systemUTC());
    }

    BlobStore(Path root, Clock clock) {
        this.root = root;
        this.clock = clock;
    }

    /**
     * The store the daemon serves: removes the temp files that interrupted writes left behind. Only
     * the daemon that holds the singleton lock may do this (it is the only writer), so the gc
     * command, which runs beside a daemon, builds a plain {@link #BlobStore(Path)}.
     */
    public static BlobStore openForDaemon(Path root) {
        BlobStore store = new BlobStore(root);
        try {
            int removed = store.removeTempFiles();
            if (removed > 0) {
                LOG.info("removed {} temp file(s) of interrupted blob writes in {}", removed, root);
            }
        } catch (IOException e) {
            LOG.warn("could not clean temp files in {}: {}", root, e.getMessage());
        }
        return store;
    }

    public Path root() {
        return root;
    }

    // ---- put --------------------------------------------------------------------------------

    /** Stores {@code data}; returns its hash. Idempotent: the first media type stored wins. */
    public String put(byte[] data, String mediaType) throws IOException {
        checkSize(data.length);
        String hash = BlobHash.of(data);
        if (deferred.containsKey(hash)) {
            // stored, not yet durable: this caller needs it durable now
            commitDeferred();
        }
        Path data0 = dataPath(hash);
        Path meta = metaPath(hash);
        if (Files.exists(data0) && Files.exists(meta)) {
            touch(data0);
            return hash;
        }
        Path shard = data0.getParent();
        ensureShard(shard);
        Path temp = shard.resolve(tempName());
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(data);
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                out.force(true);
            }
            return commit(temp, hash, data.length, mediaType);
        } finally {
            deleteQuietly(temp);
        }
    }

    /** What {@link #putDeferred} did: the blob's hash, and whether this call created it. */
    public record Deferral(String hash, boolean created) {
    }

    /**
     * Stores {@code data} without waiting for the disk: readable at once through this store (and
     * so over HTTP), durable and in its place after the next {@link #commitDeferred}. Idempotent
     * like {@link #put}; {@code created} is false when the blob was stored or deferred already.
     */
    public Deferral putDeferred(byte[] data, String mediaType) throws IOException {
        checkSize(data.length);
        return putDeferred(BlobHash.of(data), data, mediaType);
    }

    /**
     * As {@link #putDeferred(byte[], String)}, for a caller that has hashed {@code data} already
     * ({@code hash} is {@link BlobHash#of} of it: the store does not check), to lock on the hash
     * before it stores.
     */
    public Deferral putDeferred(String hash, byte[] data, String mediaType) throws IOException {
        checkSize(data.length);
        if (deferred.containsKey(hash)) {
            return new Deferral(hash, false);
        }
        Path data0 = dataPath(hash);
        if (Files.exists(data0) && Files.exists(metaPath(hash))) {
            touch(data0);
            return new Deferral(hash, false);
        }
        if (data.length <= IN_MEMORY_BYTES) {
            // no file on the output's way: the commit writes it (the caller hands the array over);
            // a store that cannot write fails here still, so the caller can fall back (KERNELS.md §7.2)
            Path shard = data0.getParent();
            if (!isWritableShard(shard)) {
                throw new AccessDeniedException(shard.toString(), null, "blob directory is not writable");
            }
            boolean created = deferred.putIfAbsent(hash, new Deferred(null, data, mediaType, data.length)) == null;
            return new Deferral(hash, created);
        }
        // a cheap random name (CREATE_NEW still refuses a clash)
        Path temp = data0.resolveSibling(tempName());
        try (FileChannel out = createInShard(temp)) {
            ByteBuffer buf = ByteBuffer.wrap(data);
            while (buf.hasRemaining()) {
                out.write(buf);
            }
        } catch (IOException e) {
            deleteQuietly(temp);
            throw e;
        }
        if (deferred.putIfAbsent(hash, new Deferred(temp, null, mediaType, data.length)) != null) {
            deleteQuietly(temp); // another writer of the same bytes came first
            return new Deferral(hash, false);
        }
        return new Deferral(hash, true);
    }

    /**
     * As {@link #putDeferred}, for a caller that need not know whether the bytes were stored
     * before (an output's manifest: it is referenced for good either way), without asking the disk
     * on the caller's thread: a small blob is held in memory at once, and its commit finds a copy
     * already in place and keeps that one. Each question to the file system is a system call on
     * the way of an output to the windows, and a fresh store's first outputs would each make a
     * shard directory there. {@code created} says only that the bytes were new to the deferred blobs
     * (they may have been stored before). A store that cannot be written still fails here: the root
     * is checked once, and a shard whose commit failed is checked again at each put.
     */
    public Deferral putDeferredBlind(byte[] data, String mediaType) throws IOException {
        return putDeferredBlind(BlobHash.of(data), data, mediaType);
    }

    /** As {@link #putDeferredBlind(byte[], String)}, with {@code data} hashed already (as {@link #putDeferred(String, byte[], String)}). */
    public Deferral putDeferredBlind(String hash, byte[] data, String mediaType) throws IOException {
        if (data.length > IN_MEMORY_BYTES) {
            return putDeferred(hash, data, mediaType);
        }
        if (deferred.containsKey(hash)) {
            return new Deferral(hash, false);
        }
        String shardName = hash.substring(0, BlobHash.SHARD_LENGTH);
        if (!shardsTrusted || failedShards.contains(shardName)) {
            Path shard = root.resolve(shardName);
            if (!isWritableShard(shard)) {
                throw new AccessDeniedException(shard.toString(), null, "blob directory is not writable");
            }
            failedShards.remove(shardName);
        }
        return new Deferral(hash, deferred.putIfAbsent(hash, new Deferred(null, data, mediaType, data.length)) == null);
    }

    /**
     * A temp file's name (BLOBS.md §1: {@code .tmp.<uuid>}) from a cheap random source: the name
     * only has to differ from its neighbours' (CREATE_NEW refuses a clash), and the secure source
     * of {@link UUID#randomUUID} costs a read of the OS's random device.
     */
    private static String tempName() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return TEMP_PREFIX + new UUID(random.nextLong(), random.nextLong());
    }

    /** {@code shard} exists (made when missing), without asking the file system twice about a known one. */
    private void ensureShard(Path shard) throws IOException {
        String name = shard.getFileName().toString();
        if (!knownShards.contains(name) || !Files.exists(shard)) {
            Files.createDirectories(shard);
            knownShards.add(name);
        }
    }

    /**
     * Whether {@code shard} is a directory we may write, made when missing. Asking the file system
     * about a directory that is not there costs an exception inside the JDK, so shards seen once
     * are remembered and asked about directly (a gc may remove one: then it is made again).
     */
    private boolean isWritableShard(Path shard) throws IOException {
        if (!knownShards.contains(shard.getFileName().toString()) || !Files.isWritable(shard)) {
            ensureShard(shard);
            if (!Files.isWritable(shard)) {
                return false;
            }
        }
        shardsTrusted = true;
        return true;
    }

    /** A new file in its shard directory, which is made when missing (the first blob of a shard, or after a gc). */
    private static FileChannel createInShard(Path temp) throws IOException {
        try {
            return FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            Files.createDirectories(temp.getParent());
            return FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
    }

    /**
     * Makes every blob deferred so far durable and puts it in its place (BLOBS.md §4, as
     * {@link #put}). When it returns, each blob deferred before the call is durable, or was
     * deleted, or failed to write (logged: it is then gone, as after a crash).
     */
    public void commitDeferred() {
        if (deferred.isEmpty()) {
            return;
        }
        committing.lock();
        try {
            for (Map.Entry<String, Deferred> e : List.copyOf(deferred.entrySet())) {
                commitOne(e.getKey(), e.getValue());
            }
        } finally {
            committing.unlock();
        }
    }

    private void commitOne(String hash, Deferred d) {
        Path temp = d.temp() != null ? d.temp()
                : dataPath(hash).resolveSibling(tempName());
        try {
            if (d.bytes() != null && Files.exists(dataPath(hash)) && Files.exists(metaPath(hash))) {
                // held without asking the disk (putDeferredBlind), and stored before: kept as it is
                touch(dataPath(hash));
            } else {
                if (d.bytes() != null) {
                    try (FileChannel out = createInShard(temp)) {
                        ByteBuffer buf = ByteBuffer.wrap(d.bytes());
                        while (buf.hasRemaining()) {
                            out.write(buf);
                        }
                        out.force(true);
                    }
                } else {
                    try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                        out.force(true);
                    }
                }
                commit(temp, hash, d.size(), d.mediaType());
            }
        } catch (NoSuchFileException e) {
            // deleted meanwhile
        } catch (IOException e) {
            LOG.warn("could not store blob {}: {}", hash, e.getMessage());
            // (a read-only remount fails every shard: each is asked about again at its next put)
            failedShards.add(hash.substring(0, BlobHash.SHARD_LENGTH));
            shardsTrusted = false;
        } finally {
            if (!deferred.remove(hash, d)) {
                // deleted while it was being committed: what the commit created goes too
                deleteQuietly(dataPath(hash));
                deleteQuietly(metaPath(hash));
            }
            deleteQuietly(temp);
        }
    }

    /** A deferred blob held in memory, made durable and put in its place now (for a reader that needs a file). */
    private void commitHeld(String hash) {
        committing.lock();
        try {
            Deferred d = deferred.get(hash);
            if (d != null && d.bytes() != null) {
                commitOne(hash, d);
            }
        } finally {
            committing.unlock();
        }
    }

    /**
     * The bytes of a deferred blob held in memory (not yet written), or empty: a reader serves
     * these without a file. The caller must not change the array.
     */
    public Optional<byte[]> held(String hash) {
        Deferred d = BlobHash.isValid(hash) ? deferred.get(hash) : null;
        return d == null || d.bytes() == null ? Optional.empty() : Optional.of(d.bytes());
    }

    /** Stores {@code length} bytes read from {@code in}; the stream must hold at least that many. */
    public String put(InputStream in, long length, String mediaType) throws IOException {
        return put(Channels.newChannel(in), length, mediaType);
    }

    /** Stores {@code length} bytes read from {@code in}; the channel must hold at least that many. */
    public String put(ReadableByteChannel in, long length, String mediaType) throws IOException {
        return put(length, mediaType, sink -> {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(COPY_BUFFER_BYTES, Math.max(1, length)));
            long left = length;
            while (left > 0) {
                buf.clear().limit((int) Math.min(buf.capacity(), left));
                int n = in.read(buf);
                if (n < 0) {
                    throw new java.io.EOFException("data ended " + left + " bytes early");
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    sink.write(buf);
                }
                left -= n;
            }
        });
    }

    /**
     * Stores the {@code length} bytes that {@code source} writes, hashing while writing: a blob of
     * 100 MiB never sits in memory. The size is checked before a single byte is read. If the source
     * fails half way nothing becomes visible and the temp file is removed.
     *
     * <p>A failure of the disk does not stop the source: it always runs to its end (its bytes then
     * consumed and dropped) before the error is thrown, so a socket frame stays in step and the
     * client can be told. An exception of the source itself is thrown as it is.
     */
    public String put(long length, String mediaType, Source source) throws IOException {
        checkSize(length);
        if (length <= IN_MEMORY_BYTES) {
            CollectingSink sink = new CollectingSink((int) length);
            source.writeTo(sink);
            return put(sink.bytes(length), mediaType);
        }
        // The shard is unknown until the last byte is hashed, so the temp file starts in the root
        // (same file system, so the link into the shard directory is atomic).
        Path temp = root.resolve(tempName());
        FileChannel out;
        try {
            Files.createDirectories(root);
            out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            // the source still runs to its end, so that a socket frame stays in step
            source.writeTo(new HashingFileSink(null));
            throw e;
        }
        try {
            HashingFileSink sink;
            try (out) {
                sink = new HashingFileSink(out);
                source.writeTo(sink);
                sink.rethrowWriteFailure();
                if (sink.written != length) {
                    throw new IOException("blob data was " + sink.written + " bytes, " + length + " announced");
                }
                out.force(true);
            }
            return commit(temp, BlobHash.hex(sink.digest.digest()), length, mediaType);
        } finally {
            deleteQuietly(temp);
        }
    }

    /** BLOBS.md §4 steps 2–6, given a complete, synced temp file inside the root. */
    private String commit(Path temp, String hash, long size, String mediaType) throws IOException {
        Path data = dataPath(hash);
        Path meta = metaPath(hash);
        if (Files.exists(data) && Files.exists(meta)) {
            touch(data);
            return hash;
        }
        ensureShard(data.getParent());
        boolean created = publish(temp, data);
        if (!created) {
            touch(data);
        }
        if (Files.exists(meta)) {
            return hash;
        }
        byte[] json = Json.compact(new BlobMeta(mediaType, size, clock.instant()));
        Path metaTemp = data.getParent().resolve(tempName() + META_SUFFIX);
        try {
            try (FileChannel out = FileChannel.open(metaTemp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(json);
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                out.force(true);
            }
            publish(metaTemp, meta);
        } catch (IOException e) {
            // BLOBS.md §4 step 5: a concurrent writer's sidecar is as good as ours
            if (!Files.exists(meta)) {
                if (created) {
                    deleteQuietly(data);
                }
                throw e;
            }
        } finally {
            deleteQuietly(metaTemp);
        }
        return hash;
    }

    /**
     * Puts a complete temp file at {@code target} unless something is there already; true if this
     * call created it. A hard link never replaces an existing file, so a concurrent writer of the
     * same content (or the sidecar of the first media type) is left as it is; where the file system
     * has no hard links, an atomic rename does the same job (replacing identical content).
     */
    private static boolean publish(Path temp, Path target) throws IOException {
        try {
            Files.createLink(target, temp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | IOException linkFailed) {
            try {
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
                return true;
            } catch (IOException moveFailed) {
                if (Files.exists(target)) {
                    return false;
                }
                throw moveFailed;
            }
        }
    }

    private static void checkSize(long length) throws BlobTooLargeException {
        if (length > MAX_BLOB_BYTES) {
            throw new BlobTooLargeException(length);
        }
        if (length < 0) {
            throw new IllegalArgumentException("negative blob length " + length);
        }
    }

    /** A stored blob that is stored again counts as used: the gc keeps it (BlobGc reads this time). */
    private void touch(Path data) {
        try {
            Files.setLastModifiedTime(data, FileTime.from(clock.instant()));
        } catch (IOException | RuntimeException ignored) {
            // only an age hint for the gc
        }
    }

    // ---- reads ------------------------------------------------------------------------------

    /** The whole blob in memory (for small blobs; the HTTP server streams with {@link #open}). */
    public Optional<byte[]> get(String hash) throws IOException {
        if (!BlobHash.isValid(hash)) {
            return Optional.empty();
        }
        Deferred d = deferred.get(hash);
        if (d != null && d.bytes() != null) {
            return Optional.of(d.bytes().clone());
        }
        if (d != null) {
            try {
                return Optional.of(Files.readAllBytes(d.temp()));
            } catch (NoSuchFileException e) {
                // committed (or deleted) meanwhile: the data file tells
            }
        }
        try {
            return Optional.of(Files.readAllBytes(dataPath(hash)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** The blob's data file open for reading; the caller closes it. Empty when missing or invalid. */
    public Optional<FileChannel> open(String hash) throws IOException {
        if (!BlobHash.isValid(hash)) {
            return Optional.empty();
        }
        Deferred d = deferred.get(hash);
        if (d != null && d.bytes() != null) {
            // a file is asked for: this one is made durable ahead of the journal (allowed: early)
            commitHeld(hash);
            d = null;
        }
        if (d != null) {
            try {
                // stays readable after the commit unlinks it
                return Optional.of(FileChannel.open(d.temp(), StandardOpenOption.READ));
            } catch (NoSuchFileException e) {
                // committed (or deleted) meanwhile: the data file tells
            }
        }
        try {
            return Optional.of(FileChannel.open(dataPath(hash), StandardOpenOption.READ));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** The parsed sidecar; empty when missing or invalid; a sidecar that does not parse is an error. */
    public Optional<BlobMeta> meta(String hash) throws IOException {
        if (!BlobHash.isValid(hash)) {
            return Optional.empty();
        }
        Deferred d = deferred.get(hash);
        // a held blob that was stored before (a blind put): the stored sidecar wins, as the commit keeps it
        if (d != null && (d.bytes() == null || !Files.exists(metaPath(hash)))) {
            return Optional.of(new BlobMeta(d.mediaType(), d.size(), clock.instant()));
        }
        byte[] json;
        try {
            json = Files.readAllBytes(metaPath(hash));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.parse(json, BlobMeta.class));
        } catch (MalformedMessageException e) {
            throw new IOException("corrupt blob metadata " + metaPath(hash) + ": " + e.getMessage(), e);
        }
    }

    /** True if the data file exists (the sidecar is not checked, as in BLOBS.md §4). */
    public boolean exists(String hash) {
        return BlobHash.isValid(hash) && (deferred.containsKey(hash) || Files.exists(dataPath(hash)));
    }

    /** Size and last use of a stored blob, for the gc; empty when missing or invalid. */
    public Optional<BlobUsage> usage(String hash) throws IOException {
        if (!BlobHash.isValid(hash)) {
            return Optional.empty();
        }
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(dataPath(hash), BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        Instant access = a.lastAccessTime().toInstant();
        Instant modified = a.lastModifiedTime().toInstant();
        return Optional.of(new BlobUsage(hash, a.size(), access.isAfter(modified) ? access : modified));
    }

    /**
     * BLOBS.md §4: removes data file and sidecar and returns true if the data file existed; an
     * orphan sidecar is left alone.
     */
    public boolean delete(String hash) {
        if (!BlobHash.isValid(hash)) {
            return false;
        }
        Deferred d = deferred.remove(hash);
        if (d != null && d.temp() != null) {
            // never made durable: nothing reached the disk but page cache, which the unlink drops
            deleteQuietly(d.temp());
        }
        Path data = dataPath(hash);
        if (!Files.exists(data)) {
            return d != null;
        }
        // BLOBS.md §4: removal errors are ignored; the blob existed, so the answer is true
        deleteQuietly(data);
        deleteQuietly(metaPath(hash));
        return true;
    }

    /** Every stored hash, in no particular order; a missing root is an empty store. */
    public List<String> list() throws IOException {
        List<String> hashes = new ArrayList<>();
        for (Path shard : shards()) {
            String prefix = shard.getFileName().toString();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(shard)) {
                for (Path entry : entries) {
                    String name = entry.getFileName().toString();
                    if (name.endsWith(META_SUFFIX) || name.startsWith(".tmp")) {
                        continue;
                    }
                    String hash = prefix + name;
                    if (BlobHash.isValid(hash)) {
                        hashes.add(hash);
                    }
                }
            } catch (NoSuchFileException | NotDirectoryException e) {
                // removed while we looked
            }
        }
        return hashes;
    }

    /**
     * Removes temp files of interrupted writes, in the root and in every shard directory; returns
     * how many. Only safe while no write runs (the daemon calls it before it serves).
     */
    public int removeTempFiles() throws IOException {
        int removed = removeTempFilesIn(root);
        for (Path shard : shards()) {
            removed += removeTempFilesIn(shard);
        }
        return removed;
    }

    private static int removeTempFilesIn(Path dir) throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, TEMP_PREFIX + "*")) {
            for (Path entry : entries) {
                if (Files.isRegularFile(entry) && deleteQuietly(entry)) {
                    removed++;
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return 0;
        }
        return removed;
    }

    /** Directories directly under the root whose name is two hex characters. */
    private List<Path> shards() throws IOException {
        List<Path> shards = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (BlobHash.isShard(name) && Files.isDirectory(dir)) {
                    shards.add(dir);
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of();
        }
        return shards;
    }

    // ---- layout -----------------------------------------------------------------------------

    /** BLOBS.md §1; only for a hash that passed {@link BlobHash#isValid}. */
    Path dataPath(String hash) {
        return shardOf(hash).resolve(hash.substring(BlobHash.SHARD_LENGTH));
    }

    Path metaPath(String hash) {
        return shardOf(hash).resolve(hash.substring(BlobHash.SHARD_LENGTH) + META_SUFFIX);
    }

    private Path shardOf(String hash) {
        return root.resolve(hash.substring(0, BlobHash.SHARD_LENGTH));
    }

    private static boolean deleteQuietly(Path p) {
        try {
            return Files.deleteIfExists(p);
        } catch (IOException e) {
            return false;
        }
    }

    /** Collects a small blob in memory (at most {@link #IN_MEMORY_BYTES}). */
    private static final class CollectingSink implements WritableByteChannel {
        private final byte[] buf;
        private int size;

        CollectingSink(int capacity) {
            this.buf = new byte[capacity];
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = src.remaining();
            if (n > buf.length - size) {
                throw new IOException("blob data is longer than announced");
            }
            src.get(buf, size, n);
            size += n;
            return n;
        }

        byte[] bytes(long announced) throws IOException {
            if (size != announced) {
                throw new IOException("blob data was " + size + " bytes, " + announced + " announced");
            }
            return buf;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    /**
     * Hashes what it writes to the temp file (none: only consumes). After the first write failure it
     * keeps consuming (and dropping) bytes, so the caller's source reaches the end of its frame; the failure is thrown
     * afterwards by {@link #rethrowWriteFailure()}.
     */
    private static final class HashingFileSink implements WritableByteChannel {
        final MessageDigest digest = BlobHash.newDigest();
        private final FileChannel out;
        long written;
        private IOException failure;

        HashingFileSink(FileChannel out) {
            this.out = out;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            if (failure == null && out != null) {
                ByteBuffer forDigest = src.duplicate();
                try {
                    while (src.hasRemaining()) {
                        out.write(src);
                    }
                    digest.update(forDigest);
                } catch (IOException e) {
                    failure = e;
                }
            }
            src.position(src.limit());
            written += n;
            return n;
        }

        void rethrowWriteFailure() throws IOException {
            if (failure != null) {
                throw failure;
            }
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
