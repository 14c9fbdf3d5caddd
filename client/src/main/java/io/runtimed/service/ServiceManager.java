package io.runtimed.service;

import java.nio.file.Path;

/**
 * One platform's way of running the daemon at login (DAEMON.md §10): where its definition file
 * lives, what it says, and the tool calls that register, start and stop it. The file itself is
 * written and deleted by {@link ServiceInstaller}; this only talks to the service manager.
 */
public interface ServiceManager {
    /** The definition file; it existing means "installed". */
    Path definitionFile();

    /** The definition's text for an installed binary. */
    String definition(Path installedBinary);

    /** After the definition was written: let the manager pick it up (systemd: daemon-reload, enable). */
    void register() throws ServiceException;

    /** Starts the service now. */
    void start() throws ServiceException;

    /** Stops the service; a service that is not loaded is already stopped, not an error. */
    void stop() throws ServiceException;

    /** Before the definition is deleted: stop starting it at login (systemd: disable). */
    void unregister() throws ServiceException;

    /** After the definition was deleted (systemd: daemon-reload). */
    void forget() throws ServiceException;

    /** The command a user runs to do {@link #register()} by hand, once the manager is available. */
    String registerHint();
}
