package io.runtimed.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build's version string, "<version>+<7-char commit or unknown>" as DAEMON.md §4 describes. */
public final class RuntimedVersion {
    private static final String VERSION;
    private static final String COMMIT;

    static {
        Properties p = new Properties();
        try (InputStream in = RuntimedVersion.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // fall through to the defaults below
        }
        VERSION = clean(p.getProperty("version"), "0.0.0");
        COMMIT = clean(p.getProperty("commit"), "unknown");
    }

    private RuntimedVersion() {
    }

    private static String clean(String value, String fallback) {
        return value == null || value.isBlank() || value.startsWith("${") ? fallback : value.trim();
    }

    /** The release version alone, e.g. "0.1.0". */
    public static String version() {
        return VERSION;
    }

    /** The version daemon.json carries, e.g. "0.1.0+1a2b3c4". */
    public static String full() {
        return VERSION + "+" + COMMIT;
    }
}
