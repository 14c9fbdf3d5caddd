package io.runtimed.kernel;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A listener that keeps everything, with deadline waits for what a test expects. */
final class RecordingListener implements KernelListener {
    final List<KernelMessage> iopub = new CopyOnWriteArrayList<>();
    final List<KernelMessage> shellReplies = new CopyOnWriteArrayList<>();
    final List<String> deaths = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    @Override
    public void onIopub(KernelMessage message) {
        threads.add(Thread.currentThread().getName());
        iopub.add(message);
    }

    @Override
    public void onShellReply(KernelMessage message) {
        threads.add(Thread.currentThread().getName());
        shellReplies.add(message);
    }

    @Override
    public void onDeath(String reason) {
        threads.add(Thread.currentThread().getName());
        deaths.add(reason);
    }

    /** iopub messages answering {@code parentId}, in arrival order. */
    List<KernelMessage> iopubFor(String parentId) {
        return iopub.stream().filter(m -> parentId.equals(m.parentMsgId())).toList();
    }

    KernelMessage awaitIopub(String parentId, Predicate<KernelMessage> match, Duration within) {
        return await().atMost(within).pollInterval(Duration.ofMillis(10))
                .until(() -> first(iopubFor(parentId), match), Optional::isPresent).orElseThrow();
    }

    /** The {@code status: idle} that ends the handling of {@code parentId}. */
    KernelMessage awaitIdle(String parentId, Duration within) {
        return awaitIopub(parentId, m -> "status".equals(m.msgType())
                && "idle".equals(m.content().path("execution_state").asText()), within);
    }

    KernelMessage awaitShellReply(String parentId, Duration within) {
        return await().atMost(within).pollInterval(Duration.ofMillis(10))
                .until(() -> first(shellReplies, m -> parentId.equals(m.parentMsgId())), Optional::isPresent)
                .orElseThrow();
    }

    private static Optional<KernelMessage> first(List<KernelMessage> messages, Predicate<KernelMessage> match) {
        return messages.stream().filter(match).findFirst();
    }
}
