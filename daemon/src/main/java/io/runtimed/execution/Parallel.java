package io.runtimed.execution;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/** Runs a slow stop (kernel shutdowns take up to 5 s each) for many items at once, and waits. */
public final class Parallel {
    private Parallel() {
    }

    public static <T> void run(Collection<T> items, Consumer<T> work) {
        List<Thread> threads = new ArrayList<>();
        for (T item : items) {
            Thread t = new Thread(() -> work.accept(item), "parallel-stop");
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
