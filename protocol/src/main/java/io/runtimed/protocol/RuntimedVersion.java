package io.runtimed.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The build's version string, "<version>+<7-char commit or unknown>" as DAEMON.md §4 describes.
 * Read from the jar's manifest (the package's implementation version), which the class loader has
 * at hand: looking up a resource instead opens every jar ahead of this one on the class path, some
 * 15 ms of a one-shot command. Classes not loaded from the jar (a module's own tests) read the same
 * values from version.properties.
 */
public final class RuntimedVersion {
    private static final String VERSION;
    private static final String COMMIT;

    static {
        String fromManifest = RuntimedVersion.class.getPackage().getImplementationVersion();
        int plus = fromManifest == null ? -1 : fromManifest.indexOf('+');
        if (plus >= 0) {
            VERSION = clean(fromManifest.substring(0, plus), "0.0.0");
            COMMIT = clean(fromManifest.substring(plus + 1), "unknown");
        } else {
            Properties p = fromResource();
            VERSION = clean(p.getProperty("version"), "0.0.0");
            COMMIT = clean(p.getProperty("commit"), "unknown");
        }
    }

    private RuntimedVersion() {
    }

    private static Properties fromResource() {
        Properties p = new Properties();
        try (InputStream in = RuntimedVersion.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // fall through to the defaults
        }
        return p;
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
