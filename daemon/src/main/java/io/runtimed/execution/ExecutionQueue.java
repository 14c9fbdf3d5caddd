package io.runtimed.execution;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * KERNELS.md §6.1: one kernel's cells waiting to run, first in first out, and the one executing.
 * The code is captured when a cell is queued, so a later edit does not change a queued run. Not
 * thread-safe: its {@link KernelSession} holds its lock around every use.
 */
final class ExecutionQueue {
    record Entry(String cellId, String code) {
    }

    private final ArrayDeque<Entry> waiting = new ArrayDeque<>();
    private String executing;

    /** §6.2: false (and nothing changes) when the cell is executing or already waiting. */
    boolean add(Entry entry) {
        if (entry.cellId().equals(executing) || waiting.stream().anyMatch(e -> e.cellId().equals(entry.cellId()))) {
            return false;
        }
        waiting.addLast(entry);
        return true;
    }

    /** The next cell to send to the kernel, now executing; empty while one executes or none waits. */
    Optional<Entry> startNext() {
        if (executing != null || waiting.isEmpty()) {
            return Optional.empty();
        }
        Entry next = waiting.pollFirst();
        executing = next.cellId();
        return Optional.of(next);
    }

    /** The executing cell is done; false if {@code cellId} was not the one executing. */
    boolean finish(String cellId) {
        if (cellId == null || !cellId.equals(executing)) {
            return false;
        }
        executing = null;
        return true;
    }

    /** §6.6: drops the waiting cells (not the executing one); true if there were any. */
    boolean clearWaiting() {
        boolean any = !waiting.isEmpty();
        waiting.clear();
        return any;
    }

    /** The kernel is gone: nothing executes and nothing waits. Returns the cell that was executing. */
    String abandon() {
        String was = executing;
        executing = null;
        waiting.clear();
        return was;
    }

    String executing() {
        return executing;
    }

    List<String> waitingIds() {
        List<String> ids = new ArrayList<>(waiting.size());
        waiting.forEach(e -> ids.add(e.cellId()));
        return ids;
    }
}
