package io.runtimed.service;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Windows: a script in the user's Startup folder; start spawns the binary, stop is taskkill (DAEMON.md §10). */
public final class WindowsStartupService implements ServiceManager {
    private final Path script;
    private final Path installedBinary;
    private final ToolRunner runner;

    public WindowsStartupService(Path script, Path installedBinary, ToolRunner runner) {
        this.script = script;
        this.installedBinary = installedBinary;
        this.runner = runner;
    }

    @Override
    public Path definitionFile() {
        return script;
    }

    @Override
    public String definition(Path binary) {
        return WindowsStartup.render(binary);
    }

    @Override
    public void register() {
    }

    @Override
    public void start() throws ServiceException {
        try {
            new ProcessBuilder(installedBinary.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("NUL")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new ServiceException("Failed to start service: " + e.getMessage(), e);
        }
    }

    /** The spec ignores taskkill's result: nothing running is the state we want anyway. */
    @Override
    public void stop() {
        try {
            runner.run(List.of("taskkill", "/F", "/IM", installedBinary.getFileName().toString()));
        } catch (ServiceException ignored) {
            // taskkill missing or failing changes nothing we could act on
        }
    }

    @Override
    public void unregister() {
    }

    @Override
    public void forget() {
    }

    /** The Startup folder needs no registration: Windows runs what is in it at every login. */
    @Override
    public String registerHint() {
        return "runtimed start";
    }
}
