package io.runtimed.cli.runt;

import java.time.Duration;

/** CLI.md §3: "1h 2m 3s" from whole hours, minutes mod 60 and seconds mod 60. */
final class Uptime {
    private Uptime() {
    }

    static String format(Duration d) {
        long s = Math.max(0, d.getSeconds());
        return (s / 3600) + "h " + (s / 60 % 60) + "m " + (s % 60) + "s";
    }
}
