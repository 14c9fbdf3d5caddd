package io.runtimed.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** DAEMON.md §6: a shutdown request, and waiting for the requests in flight before the process goes. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class DaemonLifecycleTest {
    private final DaemonLifecycle lifecycle = new DaemonLifecycle();

    @Nested
    class AwaitIdle {
        @Test
        void returnsTrueAtOnceWithNothingInFlight() throws InterruptedException {
            long start = System.nanoTime();

            assertThat(lifecycle.awaitIdle(Duration.ofSeconds(10))).isTrue();

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        }

        @Test
        void returnsFalseAfterItsTimeoutWhileARequestIsOpen() throws InterruptedException {
            try (DaemonLifecycle.InFlight open = lifecycle.beginRequest()) {
                long start = System.nanoTime();

                assertThat(lifecycle.awaitIdle(Duration.ofMillis(100))).isFalse();

                assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
            }
        }

        @Test
        void returnsTrueOnceTheLastOpenRequestCloses() throws Exception {
            DaemonLifecycle.InFlight first = lifecycle.beginRequest();
            DaemonLifecycle.InFlight second = lifecycle.beginRequest();
            CompletableFuture<Boolean> idle = new CompletableFuture<>();
            Thread waiter = new Thread(() -> {
                try {
                    idle.complete(lifecycle.awaitIdle(Duration.ofSeconds(15)));
                } catch (InterruptedException e) {
                    idle.completeExceptionally(e);
                }
            }, "idle-waiter");
            waiter.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> waiter.getState() == Thread.State.TIMED_WAITING);

            first.close();
            assertThat(lifecycle.awaitIdle(Duration.ofMillis(50))).as("idle with one request still open").isFalse();
            assertThat(idle).as("waiter while one request is open").isNotDone();

            second.close();
            assertThat(idle.get(5, TimeUnit.SECONDS)).isTrue();
        }

        @Test
        void closingTheSameRequestTwiceCountsOnce() throws InterruptedException {
            DaemonLifecycle.InFlight closedTwice = lifecycle.beginRequest();
            try (DaemonLifecycle.InFlight stillOpen = lifecycle.beginRequest()) {
                closedTwice.close();
                closedTwice.close();

                assertThat(lifecycle.awaitIdle(Duration.ofMillis(50))).as("idle while a request is still open").isFalse();
            }
            assertThat(lifecycle.awaitIdle(Duration.ofSeconds(5))).as("idle after every request closed").isTrue();
        }
    }

    @Nested
    class RequestShutdown {
        @Test
        void nothingIsRequestedAtFirst() throws InterruptedException {
            assertThat(lifecycle.isShuttingDown()).isFalse();
            assertThat(lifecycle.shutdownReason()).isNull();
            assertThat(lifecycle.awaitShutdownRequest(Duration.ofMillis(20))).isFalse();
        }

        @Test
        void theFirstReasonIsKept() throws InterruptedException {
            lifecycle.requestShutdown("pool shutdown request");
            lifecycle.requestShutdown("SIGTERM");

            assertThat(lifecycle.isShuttingDown()).isTrue();
            assertThat(lifecycle.shutdownReason()).isEqualTo("pool shutdown request");
            assertThat(lifecycle.awaitShutdownRequest(Duration.ZERO)).isTrue();
        }

        @Test
        void repeatingTheRequestChangesNothing() throws InterruptedException {
            for (int i = 0; i < 3; i++) {
                lifecycle.requestShutdown("SIGINT");
            }

            assertThat(lifecycle.shutdownReason()).isEqualTo("SIGINT");
            assertThat(lifecycle.awaitShutdownRequest(Duration.ZERO)).isTrue();
        }

        @Test
        void aWaiterWakesOnTheRequest() throws Exception {
            CountDownLatch woke = new CountDownLatch(1);
            Thread waiter = new Thread(() -> {
                try {
                    lifecycle.awaitShutdownRequest();
                    woke.countDown();
                } catch (InterruptedException ignored) {
                    // the test fails on the latch below
                }
            }, "shutdown-waiter");
            waiter.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> waiter.getState() == Thread.State.WAITING);

            lifecycle.requestShutdown("test");

            assertThat(woke.await(5, TimeUnit.SECONDS)).isTrue();
        }

        @Test
        void concurrentRequestsAgreeOnOneReason() throws Exception {
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String reason = "reason-" + i;
                Thread t = new Thread(() -> {
                    try {
                        go.await();
                        lifecycle.requestShutdown(reason);
                    } catch (InterruptedException ignored) {
                        // the reason is then missing and the assertion below says so
                    }
                }, "shutdown-requester-" + i);
                t.start();
                threads.add(t);
            }
            go.countDown();
            for (Thread t : threads) {
                t.join(5000);
            }

            assertThat(lifecycle.shutdownReason()).matches("reason-[0-7]");
        }
    }
}
