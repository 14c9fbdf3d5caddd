package io.runtimed.service;

import java.nio.file.Path;

/** DAEMON.md §10: the launchd agent {@code ~/Library/LaunchAgents/io.runtimed.plist}. */
public final class LaunchdPlist {
    public static final String LABEL = "io.runtimed";
    public static final String SERVICE_PATH = "/usr/local/bin:/usr/bin:/bin:/opt/homebrew/bin";

    private LaunchdPlist() {
    }

    /** @param logFile {@code <cache>/runt/runtimed.log}, for both stdout and stderr */
    public static String render(Path binary, Path logFile) {
        String log = xml(logFile.toString());
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                + "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                + "<plist version=\"1.0\">\n"
                + "<dict>\n"
                + "    <key>Label</key>\n"
                + "    <string>" + LABEL + "</string>\n"
                + "    <key>ProgramArguments</key>\n"
                + "    <array>\n"
                + "        <string>" + xml(binary.toString()) + "</string>\n"
                + "    </array>\n"
                + "    <key>RunAtLoad</key>\n"
                + "    <true/>\n"
                + "    <key>KeepAlive</key>\n"
                + "    <dict>\n"
                + "        <key>Crashed</key>\n"
                + "        <true/>\n"
                + "    </dict>\n"
                + "    <key>StandardOutPath</key>\n"
                + "    <string>" + log + "</string>\n"
                + "    <key>StandardErrorPath</key>\n"
                + "    <string>" + log + "</string>\n"
                + "    <key>EnvironmentVariables</key>\n"
                + "    <dict>\n"
                + "        <key>PATH</key>\n"
                + "        <string>" + SERVICE_PATH + "</string>\n"
                + "    </dict>\n"
                + "</dict>\n"
                + "</plist>\n";
    }

    // a home directory may hold '&' or '<'; the plist must stay well-formed
    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
