package io.runtimed.protocol;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Orders daemon.json version strings ("0.1.0", "0.1.0-dev.2+1a2b3c4") by semantic-version
 * precedence, build metadata ignored. The upgrade rule (DAEMON.md §9) uses it to replace only a
 * strictly older daemon: two apps shipping builds that differ only in commit, or one app that is
 * older than the daemon, never take turns replacing each other's copy.
 */
public final class VersionOrder {
    /** SemVer 2.0: pre-release identifiers are non-empty and dot-separated. */
    private static final Pattern SEMVER = Pattern.compile(
            "v?(\\d+)\\.(\\d+)\\.(\\d+)(?:-([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?(?:\\+[0-9A-Za-z.-]*)?");

    private VersionOrder() {
    }

    /**
     * True if {@code running} is older than {@code ours}. A version that does not parse counts as
     * older than one that does (it can only come from a broken or foreign build); two that do not
     * parse are not ordered.
     */
    public static boolean isOlder(String running, String ours) {
        Optional<Version> r = parse(running);
        Optional<Version> o = parse(ours);
        if (o.isEmpty()) {
            return false;
        }
        return r.isEmpty() || r.get().compareTo(o.get()) < 0;
    }

    static Optional<Version> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = SEMVER.matcher(text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        List<String> pre = m.group(4) == null ? List.of() : List.of(m.group(4).split("\\."));
        // BigInteger: daemon.json is written by another program, and "99999999999999999999.0.0" must not throw
        return Optional.of(new Version(List.of(new BigInteger(m.group(1)), new BigInteger(m.group(2)),
            new BigInteger(m.group(3))), new ArrayList<>(pre)));
    }

    record Version(List<BigInteger> core, List<String> pre) implements Comparable<Version> {
        @Override
        public int compareTo(Version other) {
            for (int i = 0; i < 3; i++) {
                int c = core.get(i).compareTo(other.core.get(i));
                if (c != 0) {
                    return c;
                }
            }
            // a pre-release is older than its release
            if (pre.isEmpty() || other.pre.isEmpty()) {
                return Boolean.compare(pre.isEmpty(), other.pre.isEmpty());
            }
            for (int i = 0; i < Math.min(pre.size(), other.pre.size()); i++) {
                int c = compareIdentifier(pre.get(i), other.pre.get(i));
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(pre.size(), other.pre.size());
        }

        private static int compareIdentifier(String a, String b) {
            boolean an = a.chars().allMatch(Character::isDigit);
            boolean bn = b.chars().allMatch(Character::isDigit);
            if (an && bn) {
                return new BigInteger(a).compareTo(new BigInteger(b));
            }
            if (an != bn) {
                return an ? -1 : 1; // numeric identifiers sort before alphanumeric ones
            }
            return a.compareTo(b);
        }
    }
}
