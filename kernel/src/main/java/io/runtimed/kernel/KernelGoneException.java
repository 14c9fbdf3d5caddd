package io.runtimed.kernel;

/** Completes a request whose kernel died or was shut down before it answered. */
public final class KernelGoneException extends RuntimeException {
    public KernelGoneException(String message) {
        super(message);
    }
}
