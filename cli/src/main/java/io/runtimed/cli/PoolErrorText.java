package io.runtimed.cli;

import io.runtimed.protocol.PoolError;

/** A pool's error (KERNELS.md §11.1 PoolError) in words, for {@code runt pool status} and the doctor. */
public final class PoolErrorText {
    private PoolErrorText() {
    }

    /** {@code 2 consecutive failures, retry in 41 s, failing package numpyy}; the package only when named. */
    public static String details(PoolError error) {
        int n = error.consecutiveFailures();
        return n + " consecutive failure" + (n == 1 ? "" : "s") + ", retry in " + error.retryInSecs() + " s"
                + (error.failedPackage() == null ? "" : ", failing package " + error.failedPackage());
    }
}
