package io.runtimed.cli.runtimed;

import io.runtimed.cli.CommandSpecs;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.Json;
import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code runtimed status [--json]}. */
final class StatusCommand {
    private StatusCommand() {
    }

    static CommandSpec spec() {
        OptionSpec json = CommandSpecs.flag("--json", "print JSON");
        CommandSpec[] self = new CommandSpec[1];
        self[0] = CommandSpecs.command("status", () -> run(CommandSpecs.isSet(json), self[0].commandLine().getOut()),
                "Show whether the daemon is installed and running, its pools, and the runtimes usable here.").addOption(json);
        return self[0];
    }

    private static int run(boolean json, PrintWriter out) {
        StatusReport report = StatusReport.gather(RuntPaths.current());
        if (json) {
            out.println(Json.pretty(report));
        } else {
            out.print(report.human());
            out.flush();
        }
        return 0;
    }
}
