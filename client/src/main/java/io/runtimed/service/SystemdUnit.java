package io.runtimed.service;

import java.nio.file.Path;

/** DAEMON.md §10: the systemd user unit {@code <config>/systemd/user/runtimed.service}. */
public final class SystemdUnit {
    /** The service manager's PATH: the spec's, so a Rust and a Java install write the same unit. */
    public static final String SERVICE_PATH = "/usr/local/bin:/usr/bin:/bin";

    private SystemdUnit() {
    }

    public static String render(Path binary) {
        return "[Unit]\n"
                + "Description=runtimed - Jupyter Runtime Daemon\n"
                + "After=network.target\n"
                + "\n"
                + "[Service]\n"
                + "Type=simple\n"
                + "ExecStart=" + binary + "\n"
                + "Restart=on-failure\n"
                + "RestartSec=5\n"
                + "Environment=PATH=" + SERVICE_PATH + "\n"
                + "\n"
                + "[Install]\n"
                + "WantedBy=default.target\n";
    }
}
