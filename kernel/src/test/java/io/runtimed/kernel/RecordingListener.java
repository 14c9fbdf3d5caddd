package io.runtimed.kernel;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** A listener that keeps everything, with deadline waits for what a test expects. */
final class RecordingListener implements KernelListener {
    final List<KernelMessage> iopub = new CopyOnWriteArrayList<>();
    final List<KernelMessage> shellReplies = new CopyOnWriteArrayList<>();
    final List<String> deaths = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();
    final List<String> shellReplyThreads = new CopyOnWriteArrayList<>();
    /** For each shell reply: how many iopub messages had been delivered before it. */
    final List<Integer> iopubBeforeReply = new CopyOnWriteArrayList<>();
    /** Callbacks that started while another was still running. */
    final AtomicInteger overlaps = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    /** How long each callback keeps its thread busy (a slow listener), 0 by default. */
    volatile long busyNanos;

    @Override
    public void onIopub(KernelMessage message) {
        enter();
        threads.add(Thread.currentThread().getName());
        iopub.add(message);
        leave();
    }

    @Override
    public void onShellReply(KernelMessage message) {
        enter();
        threads.add(Thread.currentThread().getName());
        shellReplyThreads.add(Thread.currentThread().getName());
        iopubBeforeReply.add(iopub.size());
        shellReplies.add(message);
        leave();
    }

    @Override
    public void onDeath(String reason) {
        enter();
        threads.add(Thread.currentThread().getName());
        deaths.add(reason);
        leave();
    }

    private void enter() {
        if (running.incrementAndGet() > 1) {
            overlaps.incrementAndGet();
        }
        long until = System.nanoTime() + busyNanos;
        while (System.nanoTime() - until < 0) {
            Thread.onSpinWait();
        }
    }

    private void leave() {
        running.decrementAndGet();
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
