package io.runtimed.cli.runtimed;

import io.runtimed.cli.runtimed.doctor.CheckResult;
import io.runtimed.cli.runtimed.doctor.Doctor;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.Json;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code runtimed doctor [--json]}: one line per check, a fix for each problem; exit 1 if any check failed. */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check the daemon, its directories and its tools; a fix for each problem.",
            "Prints one line per check: [ok], [WARN], [FAIL] or [skip]. Exits 1 when a check fails (warnings do not count)."})
final class DoctorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "print the results as a JSON list")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        List<CheckResult> results = Doctor.examine(RuntPaths.current(), System.getenv());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.pretty(results));
        } else {
            results.forEach(r -> out.println(r.line()));
        }
        out.flush();
        return results.stream().anyMatch(CheckResult::failed) ? 1 : 0;
    }
}
