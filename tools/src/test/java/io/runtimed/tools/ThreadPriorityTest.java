package io.runtimed.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Platform;
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

    /** 0 off Linux, where threads have no nice value of their own. */
    private static int niceOfThisThread() {
        return Platform.isLinux() ? ThreadNiceness.ofThisThread() : 0;
    }
}
