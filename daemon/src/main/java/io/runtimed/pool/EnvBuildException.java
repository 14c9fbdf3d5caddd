package io.runtimed.pool;

/** Building one environment failed; the message says which step and why, in the user's terms. */
public final class EnvBuildException extends Exception {
    public EnvBuildException(String message) {
        super(message);
    }
}
