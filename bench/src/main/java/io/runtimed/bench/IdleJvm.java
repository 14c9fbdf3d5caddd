package io.runtimed.bench;

/**
 * The memory bench's floor: a JVM that only says it is up and then sleeps, started with the
 * daemon's own JVM options, so that the daemon's idle resident memory can be read against what
 * the JVM alone costs with the same flags.
 */
public final class IdleJvm {
    /** The line the bench waits for before it starts the 2 s it waits for the daemon too. */
    static final String READY = "idle-jvm ready";

    private IdleJvm() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.println(READY);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
