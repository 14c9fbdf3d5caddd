package io.runtimed.kernel;

/** Frames that are not a Jupyter message we accept: no delimiter, a bad signature, broken JSON. */
public final class MalformedKernelMessageException extends Exception {
    public MalformedKernelMessageException(String message) {
        super(message);
    }
}
