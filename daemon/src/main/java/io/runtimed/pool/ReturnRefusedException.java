package io.runtimed.pool;

/** A returned environment that is not one of this daemon's: it is neither pooled nor deleted. */
public final class ReturnRefusedException extends Exception {
    public ReturnRefusedException(String message) {
        super(message);
    }
}
