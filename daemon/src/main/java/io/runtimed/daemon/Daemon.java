package io.runtimed.daemon;

import io.runtimed.pool.BackendDetector;
import io.runtimed.pool.EnvBuilder;
import io.runtimed.pool.EnvPools;
import io.runtimed.pool.PoolOptions;
import io.runtimed.pool.PoolWarming;
import io.runtimed.pool.ProcessRunner;
import io.runtimed.pool.SyncedPoolSettings;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.DaemonInfoFile;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.RuntimedVersion;
import io.runtimed.sync.settings.SettingsPaths;
import io.runtimed.sync.settings.SettingsRoom;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds the parts in the start order of DAEMON.md §5 (lock, settings
 * document, stale files, pools, settings watcher, socket, daemon.json last so a client that sees
 * the file can connect) and takes them down in the order of §6. It holds no behaviour of its own.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    /** How long shutdown waits for requests in flight before dropping their connections. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);

    private final DaemonLock lock;
    private final SettingsStartup settings;
    private final PoolWarming warming;
    private final DaemonLifecycle lifecycle;
    private final SocketServer server;
    private final DaemonInfoFile infoFile;
    private final DaemonInfo info;
    private boolean closed;

    private Daemon(DaemonLock lock, SettingsStartup settings, PoolWarming warming, DaemonLifecycle lifecycle,
                   SocketServer server, DaemonInfoFile infoFile, DaemonInfo info) {
        this.lock = lock;
        this.settings = settings;
        this.warming = warming;
        this.lifecycle = lifecycle;
        this.server = server;
        this.infoFile = infoFile;
        this.info = info;
    }

    /** Starts a daemon, or throws {@link AlreadyRunningException} if another one holds the lock. */
    public static Daemon start(DaemonConfig config) throws AlreadyRunningException, IOException {
        PrivateDirs.ensure(config.runtDir());
        DaemonInfoFile infoFile = new DaemonInfoFile(config.infoFile());
        Optional<DaemonLock> acquired = DaemonLock.tryAcquire(config.lockFile());
        if (acquired.isEmpty()) {
            throw new AlreadyRunningException(infoFile.read().orElseGet(DaemonInfo::unknown));
        }
        DaemonLock lock = acquired.get();
        SettingsStartup settings = null;
        try {
            settings = new SettingsStartup(SettingsPaths.of(config.runtDir(), config.settingsDir()));
            Files.deleteIfExists(config.obsoleteSyncSocket());
            Path socketDir = config.socket().toAbsolutePath().getParent();
            if (!Files.isDirectory(socketDir)) {
                PrivateDirs.ensure(socketDir);
            }
            DaemonLifecycle lifecycle = new DaemonLifecycle();
            EnvPools pools = new EnvPools(config.envRoot(), config.uvPoolSize(), config.condaPoolSize(),
                    config.maxEnvAge(), Clock.systemUTC());
            pools.adoptExisting();
            PoolWarming warming = startWarming(config, pools, settings);
            ChannelHandlers handlers = new ChannelHandlers(
                    new PoolChannelHandler(pools, lifecycle),
                    new SettingsSyncChannel(settings),
                    new UnavailableSyncChannel("notebook_sync"),
                    new UnavailableBlobChannel());
            SocketServer server = SocketServer.start(config.socket(),
                    new ConnectionRouter(handlers, config.handshakeTimeout()));
            // §5 steps 3 and 8 (settings document, schema file, settings.json watcher) on their own
            // thread, once pings are answered: loading Automerge's native library and the first
            // document costs tens of milliseconds on a 2-core machine. Settings connections and
            // pool builds that come first wait for it.
            settings.start();
            DaemonInfo info = new DaemonInfo(config.socket().toString(), ProcessHandle.current().pid(),
                    RuntimedVersion.full(), Instant.now(), null);
            try {
                infoFile.write(info);
            } catch (IOException e) {
                LOG.warn("could not write {}: {}", infoFile.path(), e.getMessage());
            }
            LOG.info("runtimed {} ready (pid {})", info.version(), info.pid());
            return new Daemon(lock, settings, warming, lifecycle, server, infoFile, info);
        } catch (IOException | RuntimeException e) {
            if (settings != null) {
                settings.close();
            }
            lock.close();
            throw e;
        }
    }

    /**
     * POOL.md §5-§6: builds run on their own threads; backends are detected off the start path.
     * Each build reads the live settings document, the command line's values winning.
     */
    private static PoolWarming startWarming(DaemonConfig config, EnvPools pools, SettingsStartup settings) {
        PoolOptions options = config.pool();
        ProcessRunner runner = new ProcessRunner(Map.of("PIP_DISABLE_PIP_VERSION_CHECK", "1", "PIP_NO_INPUT", "1"));
        PoolWarming warming = new PoolWarming(pools, new EnvBuilder(pools.directories(), runner),
                new SyncedPoolSettings(settings::settingsTreeOrDefaults, options.asOverrides(), options.systemSitePackages()),
                options.buildThreads(), options.firstRetry(), options.maxRetry(), Clock.systemUTC());
        pools.setRefiller(warming);
        String home = System.getenv().getOrDefault("HOME", System.getProperty("user.home"));
        BackendDetector detector = new BackendDetector(System.getenv(), Path.of(home), runner);
        warming.start(type -> type == EnvType.UV
                ? detector.uvPool(options.uv(), options.python())
                : detector.condaPool(options.conda()));
        return warming;
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
