package io.runtimed.service;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Linux: a systemd user unit driven with {@code systemctl --user} (DAEMON.md §10). */
public final class SystemdUserService implements ServiceManager {
    public static final String UNIT = "runtimed.service";

    private final Path unitFile;
    private final String systemctl;
    private final ToolRunner runner;

    /** @param systemctl the program to call, "systemctl" to find it on PATH */
    public SystemdUserService(Path unitFile, String systemctl, ToolRunner runner) {
        this.unitFile = unitFile;
        this.systemctl = systemctl;
        this.runner = runner;
    }

    @Override
    public Path definitionFile() {
        return unitFile;
    }

    @Override
    public String definition(Path installedBinary) {
        return SystemdUnit.render(installedBinary);
    }

    @Override
    public void register() throws ServiceException {
        require(systemctl("daemon-reload"), "Failed to reload systemd");
        require(systemctl("enable", UNIT), "Failed to enable service");
    }

    @Override
    public void start() throws ServiceException {
        require(systemctl("start", UNIT), "Failed to start service");
    }

    @Override
    public void stop() throws ServiceException {
        ToolRunner.Result r = systemctl("stop", UNIT);
        if (!r.ok() && !r.message().contains("not loaded")) {
            require(r, "Failed to stop service");
        }
    }

    /** While the unit file still exists, so systemctl can find and remove its WantedBy link. */
    @Override
    public void unregister() throws ServiceException {
        require(systemctl("disable", UNIT), "Failed to disable service");
    }

    @Override
    public void forget() throws ServiceException {
        require(systemctl("daemon-reload"), "Failed to reload systemd");
    }

    @Override
    public String registerHint() {
        return "systemctl --user daemon-reload && systemctl --user enable " + UNIT;
    }

    private ToolRunner.Result systemctl(String... args) throws ServiceException {
        List<String> cmd = new ArrayList<>(List.of(systemctl, "--user"));
        cmd.addAll(List.of(args));
        ToolRunner.Result r = runner.run(cmd);
        if (!r.ok() && noUserManager(r.message())) {
            throw ServiceException.unavailable("the systemd user manager is not available ("
                    + firstLine(r.message()) + ")", null);
        }
        return r;
    }

    /** What systemctl says when there is no user instance to talk to (containers, su sessions, no login). */
    static boolean noUserManager(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("failed to connect to bus") || m.contains("has not been booted with systemd")
                || m.contains("no such file or directory") && m.contains("bus")
                || m.contains("xdg_runtime_dir");
    }

    private static void require(ToolRunner.Result r, String what) throws ServiceException {
        if (!r.ok()) {
            throw new ServiceException(what + ": " + r.message());
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
