package io.runtimed.protocol;

import java.util.concurrent.ConcurrentLinkedQueue;

/** TEMPORARY instrumentation (not to be committed). */
public final class Trace {
    public static final boolean ON = Boolean.getBoolean("rt.trace");
    private static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();
    public record Mark(String label, long at, long cpu, long tid) { }
    public static final ConcurrentLinkedQueue<Mark> MARKS = new ConcurrentLinkedQueue<>();

    public static void mark(String label) {
        if (ON) {
            MARKS.add(new Mark(label, System.nanoTime(), MX.getCurrentThreadCpuTime(), Thread.currentThread().getId()));
        }
    }

    private Trace() { }
}
