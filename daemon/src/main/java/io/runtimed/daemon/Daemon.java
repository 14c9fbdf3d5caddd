package io.runtimed.daemon;

import io.runtimed.blob.BlobHttpServer;
import io.runtimed.blob.BlobStore;
import io.runtimed.channel.BlobChannel;
import io.runtimed.channel.NotebookSyncChannel;
import io.runtimed.channel.PoolChannel;
import io.runtimed.channel.PoolStateChannel;
import io.runtimed.channel.SettingsSyncChannel;
import io.runtimed.execution.KernelOptions;
import io.runtimed.execution.KernelPool;
import io.runtimed.execution.KernelStarter;
import io.runtimed.execution.Kernels;
import io.runtimed.ipynb.NotebookFileService;
import io.runtimed.kernel.KernelLauncher;
import io.runtimed.kernel.KernelRegistry;
import io.runtimed.pool.EnvPools;
import io.runtimed.pool.EnvWarmer;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.DaemonInfoFile;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PoolState;
import io.runtimed.protocol.PoolStats;
import io.runtimed.protocol.RuntimedVersion;
import io.runtimed.rooms.DocumentStore;
import io.runtimed.rooms.notebook.NotebookInspector;
import io.runtimed.rooms.notebook.RoomRegistry;
import io.runtimed.rooms.settings.SettingsPaths;
import io.runtimed.rooms.settings.SettingsRoom;
import io.runtimed.rooms.settings.SettingsRoomOpener;
import io.runtimed.server.ChannelHandlers;
import io.runtimed.server.ConnectionRouter;
import io.runtimed.server.DaemonLifecycle;
import io.runtimed.server.Posix;
import io.runtimed.server.SocketServer;
import io.runtimed.server.StartingHandlers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds the parts in the start order of DAEMON.md §5 (lock, stale files,
 * pools, socket, blob store, then the settings document with its schema file and watcher on their
 * own thread, the blob HTTP server, daemon.json last so a client that sees the file can connect and
 * read its blob port) and takes them down in the order of §6. It holds no behaviour of its own.
 * The socket listens as soon as the pool channel can answer (issue 16: nothing the first pong does
 * not need runs before); connections for the other channels wait for the rest ({@link StartingHandlers}).
 */
public final class Daemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    /** How long shutdown waits for requests in flight before dropping their connections. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);
    /** How long a get_port may wait for the HTTP server that starts right after the socket. */
    private static final Duration BLOB_SERVER_START_TIMEOUT = Duration.ofSeconds(10);

    private final DaemonLock lock;
    private final SettingsRoomOpener settings;
    private final RoomRegistry notebooks;
    private final Kernels kernels;
    private final NotebookFileService notebookFiles;
    private final EnvWarmer warming;
    private final DaemonLifecycle lifecycle;
    private final SocketServer server;
    private final DaemonInfoFile infoFile;
    private final DaemonInfo info;
    private final Optional<BlobHttpServer> blobServer;
    private boolean closed;

    private Daemon(DaemonLock lock, SettingsRoomOpener settings, RoomRegistry notebooks, Kernels kernels,
                   NotebookFileService notebookFiles,
                   EnvWarmer warming, DaemonLifecycle lifecycle, SocketServer server, DaemonInfoFile infoFile,
                   DaemonInfo info, Optional<BlobHttpServer> blobServer) {
        this.lock = lock;
        this.settings = settings;
        this.notebooks = notebooks;
        this.kernels = kernels;
        this.notebookFiles = notebookFiles;
        this.warming = warming;
        this.lifecycle = lifecycle;
        this.server = server;
        this.infoFile = infoFile;
        this.info = info;
        this.blobServer = blobServer;
    }

    /** Starts a daemon, or throws {@link AlreadyRunningException} if another one holds the lock. */
    public static Daemon start(DaemonConfig config) throws AlreadyRunningException, IOException {
        return start(config, new DaemonLifecycle());
    }

    /**
     * Starts a daemon whose run state is {@code lifecycle}: a caller that installs signal handlers
     * on it before starting gets an orderly shutdown even for a signal that arrives mid-start.
     */
    public static Daemon start(DaemonConfig config, DaemonLifecycle lifecycle) throws AlreadyRunningException, IOException {
        PrivateDirs.ensure(config.runtDir());
        DaemonInfoFile infoFile = new DaemonInfoFile(config.infoFile());
        Optional<DaemonLock> acquired = DaemonLock.tryAcquire(config.lockFile());
        if (acquired.isEmpty()) {
            throw new AlreadyRunningException(infoFile.read().orElseGet(DaemonInfo::unknown));
        }
        DaemonLock lock = acquired.get();
        SettingsRoomOpener settings = null;
        Optional<BlobHttpServer> blobServer = Optional.empty();
        EnvWarmer warming = null;
        Kernels kernels = null;
        NotebookFileService notebookFiles = null;
        SocketServer server = null;
        StartingHandlers handlers = null;
        CompletableFuture<RoomRegistry> roomsReady = new CompletableFuture<>();
        try {
            settings = new SettingsRoomOpener(SettingsPaths.of(config.runtDir(), config.settingsDir()));
            Files.deleteIfExists(config.obsoleteSyncSocket());
            Path socketDir = config.socket().toAbsolutePath().getParent();
            if (!Files.isDirectory(socketDir)) {
                PrivateDirs.ensure(socketDir);
            }
            EnvPools pools = new EnvPools(config.envRoot(), config.uvPoolSize(), config.condaPoolSize(),
                    config.maxEnvAge(), Clock.systemUTC());
            pools.adoptExisting();
            // issue 16: the socket listens now, with the pool channel (a ping needs nothing more);
            // a connection for another channel, or a pool request about the notebook rooms, waits
            // until the rest below is assembled
            PoolChannel poolChannel = new PoolChannel(pools, lifecycle, () -> roomsReady.join().list(),
                    id -> new NotebookInspector(roomsReady.join()).inspect(id));
            handlers = new StartingHandlers(poolChannel);
            server = SocketServer.start(config.socket(), new ConnectionRouter(handlers, config.handshakeTimeout()));
            warming = EnvWarmer.startForUser(pools, config.pool(), settings::settingsTreeOrDefaults);
            BlobStore blobs = BlobStore.openForDaemon(config.blobDir());
            CompletableFuture<OptionalInt> blobPortKnown = new CompletableFuture<>();
            kernels = startKernels(config, pools, blobs, settings);
            // KERNELS.md §4.5 (ours): kernels a killed daemon left behind go before any of ours starts
            // (an empty registry costs one directory listing)
            reapOrphans(kernels);
            SettingsRoomOpener settingsNow = settings;
            // issue 15: path-backed rooms load, autosave and follow their .ipynb files
            notebookFiles = new NotebookFileService(kernels.outputBlobs(),
                    () -> settingsNow.settingsTreeOrDefaults().path("notebooks").path("autosave").asBoolean(true));
            RoomRegistry notebooks = new RoomRegistry(config.notebookDocsDir(), DocumentStore.Compaction.DEFAULT,
                    kernels, notebookFiles);
            roomsReady.complete(notebooks);
            handlers.ready(new ChannelHandlers(poolChannel,
                    new SettingsSyncChannel(settings),
                    new NotebookSyncChannel(notebooks),
                    new BlobChannel(blobs, () -> awaitPort(blobPortKnown), lifecycle),
                    new PoolStateChannel(() -> poolState(pools), warming.stateChanges())));
            // §5 steps 3 and 8 (settings document, schema file, settings.json watcher) on their own
            // thread, once pings are answered: loading Automerge's native library and the first
            // document costs tens of milliseconds on a 2-core machine. Settings connections and
            // pool builds that come first wait for it.
            settings.start();
            kernels.pool().ifPresent(KernelPool::start);
            // DAEMON.md §5 step 5, after the socket listens: the first ping need not wait for it
            blobServer = startBlobServer(blobs);
            OptionalInt blobPort = blobServer.map(b -> OptionalInt.of(b.port())).orElse(OptionalInt.empty());
            blobPortKnown.complete(blobPort);
            DaemonInfo info = new DaemonInfo(config.socket().toString(), ProcessHandle.current().pid(),
                    RuntimedVersion.full(), Instant.now(), blobPort.isPresent() ? blobPort.getAsInt() : null);
            // logged before daemon.json advertises the daemon: whoever sees the file (a test, a
            // launcher) then finds the line in the log too
            LOG.info("runtimed {} ready (pid {})", info.version(), info.pid());
            try {
                infoFile.write(info);
            } catch (IOException e) {
                LOG.warn("could not write {}: {}", infoFile.path(), e.getMessage());
            }
            return new Daemon(lock, settings, notebooks, kernels, notebookFiles, warming, lifecycle, server, infoFile, info,
                    blobServer);
        } catch (IOException | RuntimeException | Error e) {
            // an Error too: the socket may already listen, and connections wait on these
            roomsReady.completeExceptionally(e);
            if (handlers != null) {
                handlers.failed(e);
            }
            if (server != null) {
                server.close();
            }
            blobServer.ifPresent(BlobHttpServer::close);
            if (notebookFiles != null) {
                notebookFiles.close();
            }
            if (kernels != null) {
                kernels.close();
            }
            if (warming != null) {
                warming.close();
            }
            if (settings != null) {
                settings.close();
            }
            lock.close();
            throw e;
        }
    }

    /** KERNELS.md §11.1: both pools' errors as of now. */
    private static PoolState poolState(EnvPools pools) {
        PoolStats stats = pools.stats();
        return new PoolState(stats.uvError(), stats.condaError());
    }

    /** The kernels' parts: registry, launcher, starter, the running-kernel pool (none when its size is 0). */
    private static Kernels startKernels(DaemonConfig config, EnvPools pools, BlobStore blobs,
                                        SettingsRoomOpener settings) {
        KernelOptions options = config.kernels();
        KernelRegistry registry = new KernelRegistry(config.kernelsDir());
        KernelStarter starter = new KernelStarter(pools, new KernelLauncher(options.connectionDir(), registry));
        // settings are read when used, so the pool follows a window's change of kernels.pool_size
        Path idle = Path.of(System.getProperty("java.io.tmpdir"));
        KernelPool pool = new KernelPool(starter, idle, () -> options.poolSize(settings.settingsTreeOrDefaults()),
                () -> options.preimports(settings.settingsTreeOrDefaults()));
        pools.pool(EnvType.UV).onAdded(pool::poke);
        return new Kernels(starter, pool, registry, blobs, () -> options.keepAlive(settings.settingsTreeOrDefaults()));
    }

    private static void reapOrphans(Kernels kernels) {
        int killed = kernels.registry().reapOrphans();
        if (killed > 0) {
            LOG.info("stopped {} kernel(s) left behind by a daemon that did not stop cleanly", killed);
        }
    }

    /** The blob port once the HTTP server's start has ended; a get_port that comes earlier waits for it. */
    private static OptionalInt awaitPort(CompletableFuture<OptionalInt> known) {
        try {
            return known.get(BLOB_SERVER_START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        } catch (ExecutionException | TimeoutException e) {
            return OptionalInt.empty();
        }
    }

    /** DAEMON.md §5 step 5: a blob server that cannot start is logged, and the daemon runs without a port. */
    private static Optional<BlobHttpServer> startBlobServer(BlobStore blobs) {
        try {
            return Optional.of(BlobHttpServer.start(blobs));
        } catch (IOException | RuntimeException e) {
            LOG.warn("blob server did not start, running without one: {}", e.getMessage());
            return Optional.empty();
        }
    }

    public DaemonLifecycle lifecycle() {
        return lifecycle;
    }

    public DaemonInfo info() {
        return info;
    }

    /** The settings document (for in-process embedding and tests), once it has opened. */
    public SettingsRoom settings() throws IOException {
        return settings.await();
    }

    /** The kernels' parts: the running-kernel pool, the registry (for in-process embedding and tests). */
    public Kernels kernels() {
        return kernels;
    }

    /** The open notebook rooms (for in-process embedding and tests). */
    public RoomRegistry notebooks() {
        return notebooks;
    }

    /** Blocks until a client or a signal asks the daemon to stop. */
    public void awaitShutdownRequest() throws InterruptedException {
        lifecycle.awaitShutdownRequest();
    }

    /**
     * DAEMON.md §6: stop accepting, let requests in flight finish, drop the remaining connections,
     * remove the socket and daemon.json, release the lock. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        lifecycle.requestShutdown("close");
        server.stopAccepting();
        try {
            if (!lifecycle.awaitIdle(DRAIN_TIMEOUT)) {
                LOG.warn("requests still in flight after {} s; dropping them", DRAIN_TIMEOUT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
        warming.close();
        blobServer.ifPresent(BlobHttpServer::close);
        notebooks.close();
        notebookFiles.close();
        kernels.close();
        settings.close();
        infoFile.deleteIfOwnedBy(info.pid());
        try {
            lock.close();
        } catch (IOException e) {
            LOG.debug("releasing the lock: {}", e.getMessage());
        }
        LOG.info("runtimed stopped");
    }

    /** Directories only the user may enter: the socket is the daemon's only authentication. */
    static final class PrivateDirs {
        private PrivateDirs() {
        }

        static void ensure(Path dir) throws IOException {
            Files.createDirectories(dir);
            if (Posix.C != null) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
        }
    }
}
