package io.runtimed.outputs;

/** An output entry whose manifest or content is missing or does not parse (KERNELS.md §8.3). */
public final class UnresolvableOutputException extends Exception {
    public UnresolvableOutputException(String message) {
        super(message);
    }
}
