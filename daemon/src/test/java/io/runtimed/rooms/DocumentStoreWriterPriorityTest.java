package io.runtimed.rooms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.jna.Platform;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.NativeHandles;
import io.runtimed.tools.ThreadNiceness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A document's writer yields the CPU to the delivery of changes (Linux: its thread is niced,
 * {@link DocumentStore#WRITER_NICENESS}), while the rest of the daemon keeps its priority. Read from
 * /proc, as the scheduler sees it.
 */
class DocumentStoreWriterPriorityTest {
    @TempDir
    Path dir;

    @Test
    void theWriterThreadRunsNicerThanTheDaemon() {
        // Linux only (per-thread nice values and /proc); the daemon's Automerge needs glibc 2.34+, which has gettid
        assertThat(Platform.isLinux()).as("a Linux machine, where threads have nice values of their own").isTrue();
        int daemonNice = ThreadNiceness.ofThisThread();
        DocumentOwner owner = new DocumentOwner("test", NativeHandles.newDocument());
        // "nicewrite-writer" is cut to 15 characters by the kernel
        try (DocumentStore store = new DocumentStore(dir.resolve("doc.automerge"), owner, null, 0,
                DocumentStore.Compaction.DEFAULT, "nicewrite")) {
            OptionalInt expected = OptionalInt.of(Math.min(19, daemonNice + DocumentStore.WRITER_NICENESS));
            await().atMost(Duration.ofSeconds(10)).until(() -> ThreadNiceness.ofThreadNamed("nicewrite-write"), expected::equals);
            assertThat(ThreadNiceness.ofThisThread()).as("the thread that opened it").isEqualTo(daemonNice);
        } finally {
            owner.close();
        }
    }
}
