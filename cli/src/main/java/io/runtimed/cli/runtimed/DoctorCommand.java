package io.runtimed.cli.runtimed;

import io.runtimed.cli.CommandSpecs;
import io.runtimed.cli.runtimed.doctor.CheckResult;
import io.runtimed.cli.runtimed.doctor.Doctor;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.Json;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code runtimed doctor [--json]}: one line per check, a fix for each problem; exit 1 if any check failed. */
final class DoctorCommand {
    private DoctorCommand() {
    }

    static CommandSpec spec() {
        OptionSpec json = CommandSpecs.flag("--json", "print the results as a JSON list");
        CommandSpec[] self = new CommandSpec[1];
        self[0] = CommandSpecs.command("doctor", () -> run(CommandSpecs.isSet(json), self[0].commandLine().getOut()),
                "Check the daemon, its directories and its tools; a fix for each problem.",
                "Prints one line per check: [ok], [WARN], [FAIL] or [skip]. Exits 1 when a check fails (warnings do not count).")
                .addOption(json);
        return self[0];
    }

    private static int run(boolean json, PrintWriter out) throws InterruptedException {
        List<CheckResult> results = Doctor.examine(RuntPaths.current(), System.getenv());
        if (json) {
            out.println(Json.pretty(results));
        } else {
            results.forEach(r -> out.println(r.line()));
        }
        out.flush();
        return results.stream().anyMatch(CheckResult::failed) ? 1 : 0;
    }
}
