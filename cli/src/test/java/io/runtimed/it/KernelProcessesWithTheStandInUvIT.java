package io.runtimed.it;

import static io.runtimed.it.KernelFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runtimed.it.KernelFixture.Window;
import io.runtimed.testkit.DaemonProcess;
import io.runtimed.testkit.RuntHome;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * KERNELS.md §4.5 end to end: no kernel process outlives its daemon, however the daemon ends. One
 * home for the class, so the second daemon re-adopts the pool the first one built. Needs the
 * daemon side of kernels (skipped until it is merged).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelProcessesWithTheStandInUvIT {
    RuntHome home;
    DaemonProcess daemon;

    @BeforeAll
    void start() throws Exception {
        home = RuntHome.temporary("kernel-procs-it");
        daemon = KernelFixture.daemon(home, 1).start();
    }

    @AfterAll
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
        home.close();
    }

    /** Launches a kernel in a fresh room and returns its process ids (the window stays open). */
    private List<Long> launchKernel(Window w) throws Exception {
        KernelFixture.awaitPool(daemon);
        List<Long> before = pids();
        KernelFixture.launch(w);
        w.run("1+1");
        List<Long> now = pids();
        now.removeAll(before);
        assertThat(now).as("the new kernel's process").isNotEmpty();
        return now;
    }

    private List<Long> pids() {
        return KernelFixture.kernelProcesses(home).stream().map(ProcessHandle::pid).collect(Collectors.toList());
    }

    private static boolean anyAlive(List<Long> pids) {
        return pids.stream().anyMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false));
    }

    @Test
    @Order(1)
    void whenTheDaemonStopsNoKernelProcessRemains() throws Exception {
        List<Long> kernel;
        try (Window w = Window.join(daemon, "stop-" + UUID.randomUUID())) {
            kernel = launchKernel(w);
            assertThat(daemon.stop()).as("daemon exit code").isZero();
        }
        await("kernel processes gone with the daemon").atMost(WAIT).until(() -> !anyAlive(kernel));
        assertThat(KernelFixture.kernelProcesses(home)).isEmpty();
    }

    @Test
    @Order(2)
    void afterAKill9TheNextDaemonKillsTheOrphanedKernels() throws Exception {
        daemon = daemon.startAgain();
        List<Long> kernel;
        try (Window w = Window.join(daemon, "orphan-" + UUID.randomUUID())) {
            kernel = launchKernel(w);
            daemon.kill9();
        }
        daemon = daemon.startAgain();
        await("orphaned kernels killed by the next daemon").atMost(WAIT).until(() -> !anyAlive(kernel));
        daemon.stop();
    }
}
