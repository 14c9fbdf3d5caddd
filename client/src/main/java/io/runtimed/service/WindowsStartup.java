package io.runtimed.service;

import java.nio.file.Path;

/**
 * DAEMON.md §10: the startup-folder script {@code runtimed.vbs}, which launches the quoted binary
 * path with a hidden window (window style 0) and does not wait for it.
 */
public final class WindowsStartup {
    private WindowsStartup() {
    }

    public static String render(Path binary) {
        // VBScript doubles a quote inside a string literal: """C:\path""" is the path in quotes
        String quoted = "\"\"\"" + binary.toString().replace("\"", "\"\"") + "\"\"\"";
        return "Set WshShell = CreateObject(\"WScript.Shell\")\r\n"
                + "WshShell.Run " + quoted + ", 0, False\r\n";
    }
}
