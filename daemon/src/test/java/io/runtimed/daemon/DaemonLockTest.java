package io.runtimed.daemon;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.runtimed.testkit.SystemPackages;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** DAEMON.md §3: the singleton lock is a BSD flock on daemon.lock, shared with the reference daemon. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DaemonLockTest {
    @TempDir
    Path dir;

    private Path lockFile;

    @BeforeEach
    void locate() {
        lockFile = dir.resolve("daemon.lock");
    }

    @Test
    void aFreshFileIsLockedAndCreated() throws IOException {
        try (DaemonLock lock = DaemonLock.tryAcquire(lockFile).orElseThrow()) {
            assertThat(lockFile).isRegularFile();
        }
    }

    @Test
    void aSecondAcquireFailsWhileTheFirstIsHeldEvenInTheSameProcess() throws IOException {
        try (DaemonLock first = DaemonLock.tryAcquire(lockFile).orElseThrow()) {
            assertThat(DaemonLock.tryAcquire(lockFile)).as("second acquire while held").isEmpty();
            assertThat(DaemonLock.tryAcquire(lockFile)).as("and again").isEmpty();
        }
    }

    @Test
    void theLockCanBeTakenAgainAfterClose() throws IOException {
        DaemonLock.tryAcquire(lockFile).orElseThrow().close();

        Optional<DaemonLock> again = DaemonLock.tryAcquire(lockFile);

        assertThat(again).isPresent();
        again.get().close();
    }

    @Test
    void closeIsIdempotent() throws IOException {
        DaemonLock lock = DaemonLock.tryAcquire(lockFile).orElseThrow();
        lock.close();

        assertThatCode(lock::close).doesNotThrowAnyException();
    }

    @Test
    void closingTwiceNeverReleasesALockTakenLater() throws IOException {
        // The second close must not close a descriptor number the next lock may have reused.
        DaemonLock old = DaemonLock.tryAcquire(lockFile).orElseThrow();
        old.close();
        try (DaemonLock current = DaemonLock.tryAcquire(lockFile).orElseThrow()) {
            old.close();

            assertThat(DaemonLock.tryAcquire(lockFile)).as("acquire while the current lock is held").isEmpty();
        }
    }

    @Test
    void closeNeverDeletesTheLockFile() throws IOException {
        DaemonLock.tryAcquire(lockFile).orElseThrow().close();

        assertThat(lockFile).isRegularFile();
    }

    @Test
    void anExistingLockFileIsReused() throws IOException {
        Files.writeString(lockFile, "left by an older daemon");

        try (DaemonLock lock = DaemonLock.tryAcquire(lockFile).orElseThrow()) {
            assertThat(lockFile).isRegularFile();
        }
    }

    /**
     * util-linux flock(1) takes a BSD flock, like the reference daemon. If our lock were an fcntl
     * record lock (Java's FileChannel.lock on Linux), the two would not conflict.
     */
    @Nested
    class InteropWithFlock {
        private String flock;

        @BeforeEach
        void flockIsInstalled() {
            flock = SystemPackages.requireFlock().toString();
        }

        @Test
        void flockCannotTakeTheLockWhileWeHoldIt() throws Exception {
            try (DaemonLock lock = DaemonLock.tryAcquire(lockFile).orElseThrow()) {
                assertThat(flockNonBlocking()).as("flock -n exit status while we hold the lock").isNotZero();
            }
        }

        @Test
        void flockCanTakeTheLockAfterWeReleaseIt() throws Exception {
            DaemonLock.tryAcquire(lockFile).orElseThrow().close();

            assertThat(flockNonBlocking()).as("flock -n exit status after release").isZero();
        }

        @Test
        void weCannotTakeTheLockWhileFlockHoldsIt() throws Exception {
            Process holder = new ProcessBuilder(flock, lockFile.toString(), "-c", "echo locked; exec cat")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), UTF_8));
                assertThat(out.readLine()).as("flock's child reports the lock taken").isEqualTo("locked");

                assertThat(DaemonLock.tryAcquire(lockFile)).as("our acquire while flock holds the lock").isEmpty();

                holder.getOutputStream().close(); // cat ends, flock exits and the lock goes
                assertThat(holder.waitFor(10, TimeUnit.SECONDS)).as("flock exited").isTrue();
                Optional<DaemonLock> after = DaemonLock.tryAcquire(lockFile);
                assertThat(after).as("our acquire after flock exited").isPresent();
                after.get().close();
            } finally {
                holder.destroyForcibly();
            }
        }

        private int flockNonBlocking() throws Exception {
            Process p = new ProcessBuilder(flock, "-n", lockFile.toString(), "-c", "true")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("flock -n finished").isTrue();
            return p.exitValue();
        }
    }
}
