package io.runtimed.tools;

/** Building one environment failed; the message says which step and why, in the user's terms. */
public final class StepFailedException extends Exception {
    public StepFailedException(String message) {
        super(message);
    }
}
