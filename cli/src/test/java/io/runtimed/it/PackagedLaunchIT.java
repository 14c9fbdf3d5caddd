package io.runtimed.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.testkit.Cli;
import io.runtimed.testkit.JavaProcess;
import io.runtimed.testkit.RuntHome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * This module's tests run after packaging, so that their daemons and commands start from the jars
 * and the class-data archive bin/.launch uses (about 0.7 s less CPU per daemon start on 2 cores).
 * These checks keep that from silently falling back to the slow path.
 */
class PackagedLaunchIT {
    @Test
    void daemonsAndCommandsRunFromTheFreshlyPackagedJars() {
        assertThat(JavaProcess.packaged())
                .as("cli/target holds a jar, lib/ and runtimed.jsa newer than every compiled class "
                        + "(a stale jar means a module changed since packaging: build from the root)")
                .isTrue();
        List<String> command = JavaProcess.command(JavaProcess.RUNT_MAIN, List.of("--version"));
        assertThat(command).anyMatch(a -> a.startsWith("-XX:SharedArchiveFile="));
    }

    @Test
    void theArchiveMapsWithTheClassPathTheTestsUse() {
        // -Xshare:on turns "the archive does not fit the class path" from a silent fallback into an error
        List<String> command = new ArrayList<>(JavaProcess.command(JavaProcess.RUNT_MAIN, List.of("--version")));
        command.add(1, "-Xshare:on");
        try (RuntHome home = RuntHome.temporary("packaged-launch")) {
            Cli.Result r = Cli.run(home, Map.of(), home.root(), command, List.of("runt", "--version"),
                    Duration.ofSeconds(30));
            assertThat(r.exitCode()).as(r::toString).isZero();
            assertThat(r.stdout()).startsWith("runt-cli ");
        }
    }
}
