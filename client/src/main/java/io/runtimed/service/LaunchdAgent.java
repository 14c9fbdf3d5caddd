package io.runtimed.service;

import java.nio.file.Path;
import java.util.List;

/** macOS: a launchd agent driven with {@code launchctl load|unload} (DAEMON.md §10). */
public final class LaunchdAgent implements ServiceManager {
    private final Path plist;
    private final Path logFile;
    private final String launchctl;
    private final ToolRunner runner;

    public LaunchdAgent(Path plist, Path logFile, String launchctl, ToolRunner runner) {
        this.plist = plist;
        this.logFile = logFile;
        this.launchctl = launchctl;
        this.runner = runner;
    }

    @Override
    public Path definitionFile() {
        return plist;
    }

    @Override
    public String definition(Path installedBinary) {
        return LaunchdPlist.render(installedBinary, logFile);
    }

    /** launchd reads the plist when it is loaded; with RunAtLoad it also starts at every login. */
    @Override
    public void register() {
    }

    @Override
    public void start() throws ServiceException {
        ToolRunner.Result r = runner.run(List.of(launchctl, "load", "-w", plist.toString()));
        if (!r.ok() && !r.message().contains("already loaded")) {
            throw new ServiceException("Failed to start service: " + r.message());
        }
    }

    @Override
    public void stop() throws ServiceException {
        ToolRunner.Result r = runner.run(List.of(launchctl, "unload", plist.toString()));
        if (!r.ok() && !r.message().contains("Could not find") && !r.message().contains("No such")) {
            throw new ServiceException("Failed to stop service: " + r.message());
        }
    }

    @Override
    public void unregister() {
    }

    @Override
    public void forget() {
    }

    @Override
    public String registerHint() {
        return "launchctl load -w " + plist;
    }
}
