package io.runtimed.tools;

/**
 * Building one environment failed; the message says which step and why, in the user's terms. When
 * a tool ran and failed, {@link #output()} keeps the tail of what it printed (stdout and stderr), so
 * callers can find more in it than the message's last line (KERNELS.md §11.2: the failing package).
 */
public final class StepFailedException extends Exception {
    private final String output;

    public StepFailedException(String message) {
        this(message, "");
    }

    public StepFailedException(String message, String output) {
        super(message);
        this.output = output == null ? "" : output;
    }

    /** The failed tool's output tail; empty when no tool ran to its end. */
    public String output() {
        return output;
    }
}
