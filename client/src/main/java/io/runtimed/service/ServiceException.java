package io.runtimed.service;

/**
 * A service operation that failed, with the user-facing message of DAEMON.md §8 ("Service not
 * installed", "Failed to start service: …"). {@link #managerUnavailable()} marks the case where the
 * service manager itself is missing or not running (no user systemd in a container, say), which
 * callers may work around by running the daemon directly.
 */
public final class ServiceException extends Exception {
    private static final long serialVersionUID = 1L;

    private final boolean managerUnavailable;

    public ServiceException(String message) {
        this(message, false, null);
    }

    public ServiceException(String message, Throwable cause) {
        this(message, false, cause);
    }

    private ServiceException(String message, boolean managerUnavailable, Throwable cause) {
        super(message, cause);
        this.managerUnavailable = managerUnavailable;
    }

    static ServiceException unavailable(String message, Throwable cause) {
        return new ServiceException(message, true, cause);
    }

    public boolean managerUnavailable() {
        return managerUnavailable;
    }
}
