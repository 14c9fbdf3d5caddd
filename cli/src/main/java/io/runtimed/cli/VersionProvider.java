package io.runtimed.cli;

import io.runtimed.protocol.RuntimedVersion;
import picocli.CommandLine;

/** {@code runtimed --version} prints the version daemon.json carries; {@code runt --version} the CLI's. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"${COMMAND-NAME} " + RuntimedVersion.full()};
    }

    public static final class Runt implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"runt-cli " + RuntimedVersion.version()};
        }
    }
}
