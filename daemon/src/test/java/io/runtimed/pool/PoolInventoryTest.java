package io.runtimed.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PooledEnv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** POOL.md §1, §7, §10: one pool's bookkeeping, with real directories standing in for environments. */
class PoolInventoryTest {
    private static final Instant NOW = Instant.parse("2025-02-23T12:00:00Z");
    private static final Duration MAX_AGE = Duration.ofHours(1);
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path root;

    private PoolInventory pool;
    private final List<PooledEnv> staleSeen = new ArrayList<>();

    @BeforeEach
    void newPool() {
        pool = new PoolInventory(EnvType.UV, 3, MAX_AGE, CLOCK);
    }

    @Test
    void aNewPoolIsEmptyAndNothingIsWarming() {
        assertThat(pool.type()).isEqualTo(EnvType.UV);
        assertThat(pool.target()).isEqualTo(3);
        assertThat(pool.available()).isZero();
        assertThat(pool.warming()).isZero();
        assertThat(pool.hasRoom()).isTrue();
    }

    @Test
    void aNegativeTargetIsRefused() {
        assertThatThrownBy(() -> new PoolInventory(EnvType.UV, -1, MAX_AGE, CLOCK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    @Nested
    class Take {
        @Test
        void addThenTakeReturnsTheSameEnvAndEmptiesThePool() {
            PooledEnv env = readyEnv();
            pool.add(env, NOW);

            assertThat(take()).contains(env);
            assertThat(pool.available()).isZero();
        }

        @Test
        void takeOnAnEmptyPoolReturnsNothing() {
            assertThat(take()).isEmpty();
        }

        @Test
        void takeHandsOutTheOldestFirst() {
            PooledEnv first = readyEnv();
            PooledEnv second = readyEnv();
            pool.add(first, NOW.minusSeconds(10));
            pool.add(second, NOW.minusSeconds(5));

            assertThat(take()).contains(first);
            assertThat(take()).contains(second);
        }

        @Test
        void takeSkipsAnEntryWhoseDirectoryVanishedAndReturnsTheNext() throws IOException {
            PooledEnv vanished = readyEnv();
            PooledEnv next = readyEnv();
            pool.add(vanished, NOW);
            pool.add(next, NOW);
            EnvDirectories.deleteTree(Path.of(vanished.venvPath()));

            assertThat(take()).contains(next);
            assertThat(pool.available()).isZero();
            assertThat(staleSeen).as("a vanished env is dropped, not reported stale").isEmpty();
        }

        @Test
        void takeSkipsAnEntryWhoseInterpreterVanished() throws IOException {
            PooledEnv broken = readyEnv();
            PooledEnv next = readyEnv();
            pool.add(broken, NOW);
            pool.add(next, NOW);
            Files.delete(Path.of(broken.pythonPath()));

            assertThat(take()).contains(next);
            assertThat(take()).as("the broken entry is gone for good").isEmpty();
        }

        @Test
        void staleEntriesArePassedToOnStaleAndNeverReturned() {
            PooledEnv exactlyMaxAge = readyEnv();
            PooledEnv older = readyEnv();
            PooledEnv young = readyEnv();
            pool.add(exactlyMaxAge, NOW.minus(MAX_AGE));
            pool.add(older, NOW.minus(MAX_AGE).minusSeconds(3600));
            pool.add(young, NOW.minus(MAX_AGE).plusNanos(1));

            assertThat(take()).contains(young);
            assertThat(staleSeen).containsExactly(exactlyMaxAge, older);
            assertThat(pool.available()).isZero();
        }

        @Test
        void aPoolOfOnlyStaleEntriesYieldsNothing() {
            PooledEnv stale = readyEnv();
            pool.add(stale, NOW.minus(Duration.ofDays(3)));

            assertThat(take()).isEmpty();
            assertThat(staleSeen).containsExactly(stale);
        }

        @Test
        void drainRemovesAndReturnsEverythingInOrder() {
            PooledEnv a = readyEnv();
            PooledEnv b = readyEnv();
            pool.add(a, NOW);
            pool.add(b, NOW);

            assertThat(pool.drain()).containsExactly(a, b);
            assertThat(pool.available()).isZero();
        }
    }

    @Nested
    class Deficit {
        @Test
        void deficitFollowsAvailablePlusWarming() {
            assertThat(pool.deficit()).as("fresh").isEqualTo(3);

            pool.add(readyEnv(), NOW);
            assertThat(pool.deficit()).as("after one add").isEqualTo(2);

            pool.markWarming(1);
            assertThat(pool.deficit()).as("after markWarming(1)").isEqualTo(1);

            pool.add(readyEnv(), NOW);
            pool.warmingEnded();
            assertThat(pool.deficit()).as("after that build finished").isEqualTo(1);

            pool.add(readyEnv(), NOW);
            assertThat(pool.deficit()).as("available + warming = target").isZero();

            assertThat(take()).isPresent();
            assertThat(pool.deficit()).as("after a take").isEqualTo(1);
        }

        @Test
        void deficitNeverGoesBelowZero() {
            pool.markWarming(5);

            assertThat(pool.deficit()).isZero();
        }

        @Test
        void warmingEndedNeverGoesBelowZero() {
            pool.markWarming(1);
            pool.warmingEnded();
            pool.warmingEnded();
            pool.warmingEnded();

            assertThat(pool.warming()).isZero();
            assertThat(pool.deficit()).isEqualTo(3);
        }

        @Test
        void hasRoomIsFalseOnceTargetEnvsAreAvailable() {
            for (int i = 0; i < 3; i++) {
                assertThat(pool.hasRoom()).as("room with %d available", i).isTrue();
                pool.add(readyEnv(), NOW);
            }

            assertThat(pool.hasRoom()).isFalse();
        }

        @Test
        void availableAndWarmingAreReportedSeparately() {
            pool.add(readyEnv(), NOW);
            pool.add(readyEnv(), NOW);
            pool.markWarming(1);

            assertThat(pool.available()).isEqualTo(2);
            assertThat(pool.warming()).isEqualTo(1);
        }
    }

    @Nested
    class Concurrency {
        private static final int CLIENTS = 20;

        @RepeatedTest(5)
        void takeNeverHandsTheSameEnvToTwoClients() throws Exception {
            List<PooledEnv> stocked = List.of(readyEnv(), readyEnv(), readyEnv());
            stocked.forEach(env -> pool.add(env, NOW));
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            try {
                CountDownLatch ready = new CountDownLatch(CLIENTS);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Optional<PooledEnv>>> answers = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    answers.add(clients.submit(() -> {
                        ready.countDown();
                        go.await();
                        return pool.take(stale -> { });
                    }));
                }
                assertThat(ready.await(10, TimeUnit.SECONDS)).as("all clients lined up").isTrue();
                go.countDown();

                List<PooledEnv> handedOut = new ArrayList<>();
                int empties = 0;
                for (Future<Optional<PooledEnv>> answer : answers) {
                    Optional<PooledEnv> env = answer.get(10, TimeUnit.SECONDS);
                    if (env.isPresent()) {
                        handedOut.add(env.get());
                    } else {
                        empties++;
                    }
                }

                assertThat(handedOut).containsExactlyInAnyOrderElementsOf(stocked).doesNotHaveDuplicates();
                assertThat(empties).isEqualTo(CLIENTS - stocked.size());
                assertThat(pool.available()).isZero();
            } finally {
                clients.shutdownNow();
            }
        }
    }

    private Optional<PooledEnv> take() {
        return pool.take(staleSeen::add);
    }

    private PooledEnv readyEnv() {
        return FakeEnvs.describe(EnvType.UV, FakeEnvs.ready(root, EnvType.UV));
    }
}
