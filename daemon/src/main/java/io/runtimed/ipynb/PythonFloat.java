package io.runtimed.ipynb;

import com.fasterxml.jackson.core.io.schubfach.DoubleToDecimal;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/** How Python's json.dumps writes a float: {@code float.__repr__}, and Infinity/-Infinity/NaN. */
final class PythonFloat {
    private PythonFloat() {
    }

    static String repr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        String sign = (Double.doubleToRawLongBits(d) < 0) ? "-" : "";
        double abs = Math.abs(d);
        if (abs == 0) {
            return sign + "0.0";
        }
        BigDecimal shortest = shortest(abs);
        String digits = shortest.unscaledValue().toString();
        // the value is 0.<digits> x 10^decpt, as in CPython's format_float_short
        int decpt = digits.length() - shortest.scale();
        return sign + format(digits, decpt);
    }

    /**
     * The shortest decimal that reads back as {@code abs}, the closest one if several: Python's
     * repr (David Gay's dtoa mode 0). Jackson's Schubfach (JDK 19's Double.toString; JDK 17's is
     * not always shortest) gives the same, except that it never gives fewer than 2 digits
     * (5e-324 is "4.9E-324"), so one-digit candidates are tried when it gives two.
     */
    private static BigDecimal shortest(double abs) {
        BigDecimal fromSchubfach = new BigDecimal(DoubleToDecimal.toString(abs)).stripTrailingZeros();
        if (fromSchubfach.precision() != 2) {
            return fromSchubfach;
        }
        BigDecimal exact = new BigDecimal(abs);
        BigDecimal best = null;
        for (RoundingMode mode : new RoundingMode[] {RoundingMode.FLOOR, RoundingMode.CEILING}) {
            BigDecimal candidate = exact.round(new MathContext(1, mode));
            if (candidate.signum() > 0 && candidate.doubleValue() == abs) {
                if (best == null || candidate.subtract(exact).abs().compareTo(best.subtract(exact).abs()) < 0) {
                    best = candidate;
                }
            }
        }
        return best == null ? fromSchubfach : best.stripTrailingZeros();
    }

    /** CPython's repr layout: fixed notation for 1e-4 <= |x| < 1e16, else d.ddde+XX. */
    private static String format(String digits, int decpt) {
        if (decpt <= -4 || decpt > 16) {
            int exp = decpt - 1;
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            String e = String.valueOf(Math.abs(exp));
            return mantissa + "e" + (exp < 0 ? "-" : "+") + (e.length() < 2 ? "0" + e : e);
        }
        if (decpt <= 0) {
            return "0." + "0".repeat(-decpt) + digits;
        }
        if (decpt < digits.length()) {
            return digits.substring(0, decpt) + "." + digits.substring(decpt);
        }
        return digits + "0".repeat(decpt - digits.length()) + ".0";
    }
}
