package io.runtimed.cli.runtimed;

import java.util.Locale;

/** Byte counts on the command line: {@code 1048576}, {@code 500M}, {@code 2G}, {@code 1.5GiB} (powers of 1024). */
final class ByteSize {
    private static final String UNITS = "BKMGT";

    private ByteSize() {
    }

    static long parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("IB")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.length() > 1 && t.endsWith("B") && UNITS.indexOf(t.charAt(t.length() - 2)) > 0) {
            t = t.substring(0, t.length() - 1);
        }
        int power = 0;
        if (!t.isEmpty() && Character.isLetter(t.charAt(t.length() - 1))) {
            power = UNITS.indexOf(t.charAt(t.length() - 1));
            if (power < 0) {
                throw notASize(text);
            }
            t = t.substring(0, t.length() - 1).trim();
        }
        double value;
        try {
            value = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw notASize(text);
        }
        if (value < 0 || Double.isNaN(value) || Double.isInfinite(value)) {
            throw notASize(text);
        }
        double bytes = value * Math.pow(1024, power);
        if (bytes >= Long.MAX_VALUE) {
            throw new IllegalArgumentException("too large: '" + text + "'");
        }
        return (long) bytes;
    }

    private static IllegalArgumentException notASize(String text) {
        return new IllegalArgumentException("not a size: '" + text + "' (examples: 1048576, 500M, 2G)");
    }

    /** {@code 512 B}, {@code 1.5 KiB}, {@code 100.0 MiB}. */
    static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        int unit = 0;
        while (v >= 1024 && unit < UNITS.length() - 1) {
            v /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %siB", v, UNITS.charAt(unit));
    }
}
