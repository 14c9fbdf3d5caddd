package io.runtimed.rooms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.jna.Platform;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.NativeHandles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.stream.Stream;
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
        int daemonNice = niceOf(Path.of("/proc/thread-self"));
        DocumentOwner owner = new DocumentOwner("test", NativeHandles.newDocument());
        // "nicewrite-writer" is cut to 15 characters by the kernel
        try (DocumentStore store = new DocumentStore(dir.resolve("doc.automerge"), owner, null, 0,
                DocumentStore.Compaction.DEFAULT, "nicewrite")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> writerNice().isPresent()
                    && writerNice().getAsInt() == Math.min(19, daemonNice + DocumentStore.WRITER_NICENESS));
            assertThat(niceOf(Path.of("/proc/thread-self"))).as("the thread that opened it").isEqualTo(daemonNice);
        } finally {
            owner.close();
        }
    }

    private static OptionalInt writerNice() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(t -> comm(t).equals("nicewrite-write")).mapToInt(DocumentStoreWriterPriorityTest::niceOf)
                    .findFirst();
        }
    }

    private static String comm(Path task) {
        try {
            return Files.readString(task.resolve("comm")).strip();
        } catch (IOException e) {
            return ""; // the thread ended meanwhile
        }
    }

    /** Field 19 of a task's stat (after "(comm)", which may hold spaces). */
    private static int niceOf(Path task) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19 - 3]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
