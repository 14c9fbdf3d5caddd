package io.runtimed.cli.runtimed;

import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code runtimed status [--json]}. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show whether the daemon is installed and running, its pools, and the runtimes usable here.")
final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public Integer call() {
        StatusReport report = StatusReport.gather(RuntPaths.current());
        if (json) {
            spec.commandLine().getOut().println(Json.pretty(report));
        } else {
            spec.commandLine().getOut().print(report.human());
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
