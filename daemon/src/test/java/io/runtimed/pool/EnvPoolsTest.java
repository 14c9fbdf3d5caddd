package io.runtimed.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PoolStats;
import io.runtimed.protocol.PooledEnv;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** POOL.md §4, §7–§11: adoption, take, return, flush and status over a real env root. */
class EnvPoolsTest {
    private static final Duration MAX_AGE = Duration.ofDays(2);

    @TempDir
    Path home;

    private Path envRoot;

    @BeforeEach
    void makeEnvRoot() throws IOException {
        envRoot = Files.createDirectories(home.resolve("envs"));
    }

    private EnvPools pools(int uvTarget, int condaTarget) {
        return new EnvPools(envRoot, uvTarget, condaTarget, MAX_AGE, Clock.systemUTC());
    }

    @Nested
    class Adoption {
        @Test
        void finishedEnvironmentsOfOurNamingJoinTheirPools() {
            Path uv = FakeEnvs.ready(envRoot, EnvType.UV);
            Path conda = FakeEnvs.ready(envRoot, EnvType.CONDA);
            EnvPools pools = pools(3, 3);

            assertThat(pools.adoptExisting()).isEqualTo(2);

            assertThat(pools.stats()).isEqualTo(new PoolStats(1, 0, 1, 0));
            assertThat(pools.take(EnvType.UV)).contains(FakeEnvs.describe(EnvType.UV, uv));
            assertThat(pools.take(EnvType.CONDA)).contains(FakeEnvs.describe(EnvType.CONDA, conda));
        }

        @Test
        void adoptionStopsAtTargetAndRemovesTheSurplus() {
            List<Path> dirs = List.of(FakeEnvs.ready(envRoot, EnvType.UV), FakeEnvs.ready(envRoot, EnvType.UV),
                    FakeEnvs.ready(envRoot, EnvType.UV), FakeEnvs.ready(envRoot, EnvType.UV));
            EnvPools pools = pools(3, 3);

            assertThat(pools.adoptExisting()).isEqualTo(3);

            assertThat(pools.stats().uvAvailable()).isEqualTo(3);
            // POOL.md §11: surplus environments SHOULD be deleted rather than left on disk forever
            assertThat(dirs.stream().filter(Files::isDirectory)).hasSize(3);
        }

        @Test
        void directoriesOfOurNamingWithoutAnInterpreterAreDeleted() {
            Path uv = FakeEnvs.create(envRoot, "runtimed-uv-" + UUID.randomUUID(), EnvType.UV, false, true);
            Path conda = FakeEnvs.create(envRoot, "runtimed-conda-" + UUID.randomUUID(), EnvType.CONDA, false, false);
            EnvPools pools = pools(3, 3);

            assertThat(pools.adoptExisting()).isZero();

            assertThat(uv).doesNotExist();
            assertThat(conda).doesNotExist();
            assertThat(pools.stats()).isEqualTo(new PoolStats(0, 0, 0, 0));
        }

        @Test
        void directoriesWithAnInterpreterButNoWarmedMarkerAreInterruptedBuildsAndRemoved() {
            Path unfinished = FakeEnvs.create(envRoot, "runtimed-uv-" + UUID.randomUUID(), EnvType.UV, true, false);
            EnvPools pools = pools(3, 3);

            assertThat(pools.adoptExisting()).isZero();

            assertThat(pools.stats().uvAvailable()).isZero();
            assertThat(unfinished).doesNotExist();
        }

        @Test
        void foreignNamesAreIgnoredAndUntouched() {
            List<Path> foreign = List.of(
                    FakeEnvs.create(envRoot, "my-env", EnvType.UV, true, true),
                    FakeEnvs.create(envRoot, "my-empty-env", EnvType.UV, false, false),
                    FakeEnvs.create(envRoot, "runtimed-uv-notauuid", EnvType.UV, true, true),
                    FakeEnvs.create(envRoot, "runtimed-uv-notauuid-empty", EnvType.UV, false, false),
                    FakeEnvs.create(envRoot, "runtimed-pip-" + UUID.randomUUID(), EnvType.UV, false, false));
            EnvPools pools = pools(3, 3);

            assertThat(pools.adoptExisting()).isZero();

            assertThat(foreign).allSatisfy(dir -> assertThat(dir).isDirectory());
            assertThat(pools.stats()).isEqualTo(new PoolStats(0, 0, 0, 0));
        }

        @Test
        void aPlainFileWithOurNamingIsLeftAlone() throws IOException {
            Path file = Files.writeString(envRoot.resolve("runtimed-uv-" + UUID.randomUUID()), "not a dir");

            assertThat(pools(3, 3).adoptExisting()).isZero();

            assertThat(file).isRegularFile();
        }

        @Test
        void aMissingEnvRootIsNotAnError() throws IOException {
            Files.delete(envRoot);
            EnvPools pools = pools(3, 3);

            assertThat(pools.adoptExisting()).isZero();
            assertThat(pools.stats()).isEqualTo(new PoolStats(0, 0, 0, 0));
        }

        @Test
        void anEnvironmentFinishedLongerAgoThanMaxAgeIsDeletedAtStart() throws IOException {
            Path old = FakeEnvs.ready(envRoot, EnvType.UV);
            Files.setLastModifiedTime(old.resolve(EnvDirectories.WARMED_MARKER),
                    FileTime.from(Instant.now().minus(MAX_AGE).minus(Duration.ofHours(1))));
            EnvPools pools = pools(3, 3);

            assertThat(pools.adoptExisting()).isZero();

            assertThat(pools.take(EnvType.UV)).isEmpty();
            assertThat(old).as("POOL.md §11: stale environments are pruned on start, across restarts").doesNotExist();
        }
    }

    @Nested
    class GiveBack {
        private EnvPools pools;

        @BeforeEach
        void emptyPools() {
            pools = pools(1, 1);
        }

        @Test
        void aValidEnvironmentRejoinsItsPoolWhenThereIsRoom() throws ReturnRefusedException {
            Path dir = FakeEnvs.ready(envRoot, EnvType.UV);
            PooledEnv env = FakeEnvs.describe(EnvType.UV, dir);

            pools.giveBack(env);

            assertThat(dir).isDirectory();
            assertThat(pools.stats().uvAvailable()).isEqualTo(1);
            assertThat(pools.take(EnvType.UV)).contains(env);
        }

        @Test
        void aValidEnvironmentIsDeletedWhenItsPoolIsFull() throws ReturnRefusedException {
            Path kept = FakeEnvs.ready(envRoot, EnvType.CONDA);
            Path surplus = FakeEnvs.ready(envRoot, EnvType.CONDA);
            pools.giveBack(FakeEnvs.describe(EnvType.CONDA, kept));

            pools.giveBack(FakeEnvs.describe(EnvType.CONDA, surplus));

            assertThat(surplus).doesNotExist();
            assertThat(kept).isDirectory();
            assertThat(pools.stats().condaAvailable()).isEqualTo(1);
        }

        @Test
        void aReturnedEnvironmentWithoutItsInterpreterIsDeletedNotPooled() throws ReturnRefusedException {
            Path broken = FakeEnvs.create(envRoot, "runtimed-uv-" + UUID.randomUUID(), EnvType.UV, false, true);

            pools.giveBack(FakeEnvs.describe(EnvType.UV, broken));

            assertThat(broken).doesNotExist();
            assertThat(pools.stats().uvAvailable()).isZero();
        }

        @Test
        void aPathOutsideTheEnvRootIsRefusedAndKept() throws IOException {
            Path elsewhere = Files.createDirectories(home.resolve("projects"));
            Path victim = FakeEnvs.ready(elsewhere, EnvType.UV);

            assertRefusedAndKept(FakeEnvs.describe(EnvType.UV, victim), victim);
        }

        @Test
        void aPathThatClimbsOutOfTheEnvRootIsRefusedAndKept() {
            Path victim = FakeEnvs.ready(home, EnvType.UV); // a sibling of the env root, with our naming
            String climbing = envRoot + "/../" + victim.getFileName();
            PooledEnv env = new PooledEnv(EnvType.UV, climbing, climbing + "/bin/python");

            assertRefusedAndKept(env, victim);
        }

        @Test
        void theEnvRootItselfIsRefusedAndKept() {
            FakeEnvs.ready(envRoot, EnvType.UV);
            PooledEnv env = new PooledEnv(EnvType.UV, envRoot.toString(), envRoot.resolve("bin/python").toString());

            assertRefusedAndKept(env, envRoot);
        }

        @Test
        void aRelativePathIsRefused() {
            String name = "runtimed-uv-" + UUID.randomUUID();
            PooledEnv env = new PooledEnv(EnvType.UV, name, name + "/bin/python");

            assertThatThrownBy(() -> pools.giveBack(env)).isInstanceOf(ReturnRefusedException.class);
        }

        @Test
        void anEnvironmentUnderTheWrongPrefixForItsTypeIsRefusedAndKept() {
            Path uvDir = FakeEnvs.ready(envRoot, EnvType.UV);
            PooledEnv claimedConda = new PooledEnv(EnvType.CONDA, uvDir.toString(),
                    EnvDirectories.pythonPath(EnvType.CONDA, uvDir).toString());

            assertRefusedAndKept(claimedConda, uvDir);
        }

        @Test
        void aForeignDirectoryNameInsideTheEnvRootIsRefusedAndKept() {
            Path mine = FakeEnvs.create(envRoot, "my-env", EnvType.UV, true, true);

            assertRefusedAndKept(FakeEnvs.describe(EnvType.UV, mine), mine);
        }

        @Test
        void aPythonPathThatIsNotTheEnvironmentsInterpreterIsRefusedAndKept() {
            Path dir = FakeEnvs.ready(envRoot, EnvType.UV);
            PooledEnv env = new PooledEnv(EnvType.UV, dir.toString(), "/usr/bin/python3");

            assertRefusedAndKept(env, dir);
            assertThat(pools.stats().uvAvailable()).isZero();
        }

        @Test
        void aSymlinkedEnvironmentIsNeverFollowedOutOfTheRoot() throws IOException {
            Path victim = FakeEnvs.ready(Files.createDirectories(home.resolve("precious")), EnvType.UV);
            Path link = Files.createSymbolicLink(envRoot.resolve("runtimed-uv-" + UUID.randomUUID()), victim);
            PooledEnv env = FakeEnvs.describe(EnvType.UV, link);

            Throwable thrown = catchThrowable(() -> pools.giveBack(env));

            assertThat(thrown).as("refusing is fine, anything else is not")
                    .satisfiesAnyOf(t -> assertThat(t).isNull(), t -> assertThat(t).isInstanceOf(ReturnRefusedException.class));
            assertThat(EnvDirectories.pythonPath(EnvType.UV, victim)).as("the link's target").exists();
            assertThat(victim.resolve(EnvDirectories.WARMED_MARKER)).exists();
            assertThat(pools.stats().uvAvailable()).as("a link is not a pooled environment").isZero();
        }

        private void assertRefusedAndKept(PooledEnv env, Path dir) {
            List<Path> before = tree(dir);

            assertThatThrownBy(() -> pools.giveBack(env))
                    .isInstanceOf(ReturnRefusedException.class)
                    .hasMessageContaining(env.venvPath());
            assertThat(tree(dir)).as("a refused directory is never touched").containsExactlyElementsOf(before);
        }

        private List<Path> tree(Path dir) {
            try (Stream<Path> all = Files.walk(dir)) {
                return all.sorted().collect(Collectors.toList());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Nested
    class FlushAndStats {
        @Test
        void flushDeletesEveryAvailableEnvironmentAndEmptiesThePools() throws ReturnRefusedException {
            EnvPools pools = pools(3, 3);
            List<Path> dirs = new ArrayList<>(List.of(FakeEnvs.ready(envRoot, EnvType.UV), FakeEnvs.ready(envRoot, EnvType.UV),
                    FakeEnvs.ready(envRoot, EnvType.CONDA)));
            pools.adoptExisting();

            assertThat(pools.flush()).isEqualTo(3);

            assertThat(dirs).allSatisfy(dir -> assertThat(dir).doesNotExist());
            assertThat(pools.stats()).isEqualTo(new PoolStats(0, 0, 0, 0));
            assertThat(pools.take(EnvType.UV)).isEmpty();
        }

        @Test
        void flushLeavesBuildsInProgressCounted() {
            EnvPools pools = pools(3, 3);
            FakeEnvs.ready(envRoot, EnvType.UV);
            pools.adoptExisting();
            pools.pool(EnvType.UV).markWarming(2);

            pools.flush();

            assertThat(pools.stats()).isEqualTo(new PoolStats(0, 2, 0, 0));
        }

        @Test
        void flushNeverFollowsTheInterpreterSymlinkOutOfTheEnvironment() throws IOException {
            // A real venv's bin/python is a symlink to the system interpreter.
            Path systemPython = Files.writeString(home.resolve("python3.12"), "the system interpreter");
            Path dir = FakeEnvs.create(envRoot, "runtimed-uv-" + UUID.randomUUID(), EnvType.UV, false, true);
            Files.createDirectories(dir.resolve("bin"));
            Files.createSymbolicLink(dir.resolve("bin/python"), systemPython);
            EnvPools pools = pools(3, 3);
            assertThat(pools.adoptExisting()).isEqualTo(1);

            pools.flush();

            assertThat(dir).doesNotExist();
            assertThat(systemPython).hasContent("the system interpreter");
        }

        @Test
        void flushOnEmptyPoolsRemovesNothing() {
            Path foreign = FakeEnvs.create(envRoot, "my-env", EnvType.UV, true, true);

            assertThat(pools(3, 3).flush()).isZero();
            assertThat(foreign).isDirectory();
        }

        @Test
        void statsReflectAvailableAndWarmingPerPool() {
            EnvPools pools = pools(3, 3);
            FakeEnvs.ready(envRoot, EnvType.UV);
            FakeEnvs.ready(envRoot, EnvType.UV);
            pools.adoptExisting();
            pools.pool(EnvType.UV).markWarming(1);
            pools.pool(EnvType.CONDA).markWarming(2);

            assertThat(pools.stats()).isEqualTo(new PoolStats(2, 1, 0, 2));
        }

        @Test
        void takeHandsOutAnEnvironmentOnlyOnce() {
            EnvPools pools = pools(3, 3);
            Path dir = FakeEnvs.ready(envRoot, EnvType.UV);
            pools.adoptExisting();

            assertThat(pools.take(EnvType.UV)).contains(FakeEnvs.describe(EnvType.UV, dir));
            assertThat(pools.take(EnvType.UV)).isEmpty();
            assertThat(dir).as("the client owns it now").isDirectory();
        }
    }
}
