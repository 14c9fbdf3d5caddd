package io.runtimed.kernel;

/** A kernel that could not be started or did not answer (KERNELS.md §5.6 texts); nothing of it is left behind. */
public final class KernelLaunchException extends Exception {
    public KernelLaunchException(String message) {
        super(message);
    }

    public KernelLaunchException(String message, Throwable cause) {
        super(message, cause);
    }
}
