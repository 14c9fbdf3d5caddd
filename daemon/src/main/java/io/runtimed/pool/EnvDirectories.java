package io.runtimed.pool;

import io.runtimed.paths.FileTrees;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PooledEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * POOL.md §3: how pooled environments are laid out under the env root. Names are
 * {@code runtimed-<type>-<uuid>}, which both this daemon and the original adopt, and which mark a
 * directory as one the daemon may delete. Nothing outside this shape is ever removed.
 */
public final class EnvDirectories {
    /** Written after a successful warm-up; a directory without it was never finished. */
    public static final String WARMED_MARKER = ".warmed";
    private static final boolean WINDOWS = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

    private final Path root;

    public EnvDirectories(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    public static String prefix(EnvType type) {
        return "runtimed-" + type.wireName() + "-";
    }

    /** A fresh directory path for a new environment (not created). */
    public Path newEnvDir(EnvType type) {
        return root.resolve(prefix(type) + UUID.randomUUID());
    }

    /** POOL.md §3: the interpreter inside an environment directory. */
    public static Path pythonPath(EnvType type, Path dir) {
        if (!WINDOWS) {
            return dir.resolve("bin").resolve("python");
        }
        return type == EnvType.UV ? dir.resolve("Scripts").resolve("python.exe") : dir.resolve("python.exe");
    }

    public static PooledEnv describe(EnvType type, Path dir) {
        return new PooledEnv(type, dir.toString(), pythonPath(type, dir).toString());
    }

    /** The type whose name prefix {@code dir} carries, if it is a direct child of the root with a UUID suffix. */
    public Optional<EnvType> typeOf(Path dir) {
        Path normal = dir.toAbsolutePath().normalize();
        if (!root.equals(normal.getParent())) {
            return Optional.empty();
        }
        String name = normal.getFileName().toString();
        for (EnvType type : EnvType.values()) {
            String prefix = prefix(type);
            if (name.startsWith(prefix) && isUuid(name.substring(prefix.length()))) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }

    private static boolean isUuid(String s) {
        try {
            return UUID.fromString(s).toString().equals(s.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** True if {@code env} names a directory this daemon owns, with the interpreter where it must be. */
    public boolean isOurs(PooledEnv env) {
        Path dir = Path.of(env.venvPath());
        return typeOf(dir).filter(t -> t == env.envType()).isPresent()
                && Path.of(env.pythonPath()).normalize().equals(pythonPath(env.envType(), dir.toAbsolutePath().normalize()));
    }

    /** Finished and still present: the interpreter exists and the warm-up marker was written. */
    public static boolean isReady(EnvType type, Path dir) {
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                && Files.exists(pythonPath(type, dir))
                && Files.exists(dir.resolve(WARMED_MARKER));
    }

    /** Deletes a directory tree without following links out of it; a missing tree is fine. */
    public static void deleteTree(Path dir) throws IOException {
        FileTrees.deleteTree(dir);
    }
}
