package io.runtimed.cli;

import io.runtimed.service.LaunchdAgent;
import io.runtimed.service.ServiceInstaller;
import io.runtimed.service.SystemdUserService;

/** The commands a user can run by hand to finish what a service manager could not do for us. */
final class ServiceHints {
    private ServiceHints() {
    }

    static String registerCommand(ServiceInstaller installer) {
        if (installer.manager() instanceof SystemdUserService) {
            return "systemctl --user daemon-reload && systemctl --user enable " + SystemdUserService.UNIT;
        }
        if (installer.manager() instanceof LaunchdAgent) {
            return "launchctl load -w " + installer.manager().definitionFile();
        }
        return "runtimed start";
    }
}
