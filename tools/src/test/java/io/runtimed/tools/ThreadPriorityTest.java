package io.runtimed.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Platform;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ThreadPriorityTest {

    @Test
    void lowersTheCallingThreadAloneAsTheKernelSeesIt() throws Exception {
        int before = niceOfThisThread();
        AtomicReference<OptionalInt> reported = new AtomicReference<>();
        AtomicReference<Integer> seen = new AtomicReference<>();
        Thread t = new Thread(() -> {
            reported.set(ThreadPriority.lowerCurrentThread(5));
            seen.set(niceOfThisThread());
        });
        t.start();
        t.join();
        if (!Platform.isLinux()) {
            assertThat(reported.get()).isEmpty();
            return;
        }
        int expected = Math.min(19, before + 5);
        assertThat(reported.get()).hasValue(expected);
        assertThat(seen.get()).isEqualTo(expected);
        // the rest of the process keeps its priority
        assertThat(niceOfThisThread()).isEqualTo(before);
    }

    @Test
    void nothingToLowerByIsNothingDone() {
        assertThat(ThreadPriority.lowerCurrentThread(0)).isEmpty();
    }

    /** Field 19 of /proc/thread-self/stat (Linux); 0 elsewhere. */
    private static int niceOfThisThread() {
        if (!Platform.isLinux()) {
            return 0;
        }
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            // after "(comm)", which may hold spaces: field 3 (state) onwards
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(fields[19 - 3]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
