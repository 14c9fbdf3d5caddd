package io.runtimed.cli.runtimed.doctor;

/** The fixes several checks give, worded once. */
final class Fixes {
    static final String START_DAEMON = "start the daemon with 'runtimed start' (service) or 'runtimed run'";
    static final String RESTART_DAEMON = "restart the daemon: 'runtimed stop', then 'runtimed start' (service) or 'runtimed run'";

    private Fixes() {
    }

    /** A daemon that does not answer cannot be stopped by asking it. */
    static String killThenStart(long pid) {
        return "the daemon is hung: kill " + pid + " (kill -9 " + pid + " if it stays), then "
                + "'runtimed start' (service) or 'runtimed run'";
    }
}
