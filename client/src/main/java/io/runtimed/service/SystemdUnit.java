package io.runtimed.service;

import java.nio.file.Path;

/** DAEMON.md §10: the systemd user unit {@code <config>/systemd/user/runtimed.service}. */
public final class SystemdUnit {
    /** The service manager's PATH: the spec's, so a Rust and a Java install write the same unit. */
    public static final String SERVICE_PATH = "/usr/local/bin:/usr/bin:/bin";

    private SystemdUnit() {
    }

    /**
     * The spec writes the path as it is; systemd splits ExecStart on whitespace, so a path with
     * spaces (a home directory like "/home/Jo Smith") is quoted, with quotes and backslashes escaped.
     */
    static String execPath(Path binary) {
        String p = binary.toString();
        if (p.chars().noneMatch(Character::isWhitespace) && p.indexOf('"') < 0) {
            return p;
        }
        return "\"" + p.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    public static String render(Path binary) {
        return "[Unit]\n"
                + "Description=runtimed - Jupyter Runtime Daemon\n"
                + "After=network.target\n"
                + "\n"
                + "[Service]\n"
                + "Type=simple\n"
                + "ExecStart=" + execPath(binary) + "\n"
                + "Restart=on-failure\n"
                + "RestartSec=5\n"
                + "Environment=PATH=" + SERVICE_PATH + "\n"
                + "\n"
                + "[Install]\n"
                + "WantedBy=default.target\n";
    }
}
