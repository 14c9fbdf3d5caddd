package io.runtimed.sync;

/**
 * Tells the library's own failures (bad bytes from a peer or a file) from our bugs. The binding's
 * {@code org.automerge.AutomergeException} is package-private, so it cannot be caught by type.
 */
final class AutomergeErrors {
    private static final String LIBRARY_EXCEPTION = "org.automerge.AutomergeException";

    private AutomergeErrors() {
    }

    static boolean isLibraryError(RuntimeException e) {
        return e.getClass().getName().equals(LIBRARY_EXCEPTION);
    }
}
