package io.runtimed.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The map in ARCHITECTURE.md, checked on the bytecode of every main class the command lines are
 * built from (protocol, sync, tools, client, daemon, cli, testkit): no two packages depend on each
 * other, and {@code runt} never reaches into the daemon.
 */
class ArchitectureTest {
    /** The daemon module's packages: what only {@code runtimed}'s own commands may use. */
    private static final String[] DAEMON_INTERNALS = {"io.runtimed.daemon..", "io.runtimed.server..",
            "io.runtimed.channel..", "io.runtimed.pool..", "io.runtimed.blob..", "io.runtimed.rooms.."};

    static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        // test classes come as test-classes directories or, after `package`, as the daemon's and
        // tools' -tests.jar: neither is part of the map
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(location -> !location.contains("-tests.jar"))
                .importPackages("io.runtimed");
    }

    @Test
    void everyModuleIsOnTheClasspathSoTheRulesSeeIt() {
        for (String pkg : new String[] {"io.runtimed.protocol", "io.runtimed.sync", "io.runtimed.tools",
                "io.runtimed.client", "io.runtimed.service", "io.runtimed.server", "io.runtimed.channel",
                "io.runtimed.pool", "io.runtimed.rooms", "io.runtimed.daemon", "io.runtimed.cli.runt",
                "io.runtimed.cli.runtimed"}) {
            assertThat(classes.containPackage(pkg)).as(pkg).isTrue();
        }
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.runtimed.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void runtAndTheSharedCliCodeNeverUseDaemonInternals() {
        noClasses().that().resideInAnyPackage("io.runtimed.cli", "io.runtimed.cli.runt..")
                .should().dependOnClassesThat().resideInAnyPackage(DAEMON_INTERNALS)
                .check(classes);
    }

    @Test
    void theLibrariesAppsEmbedNeverUseDaemonInternals() {
        noClasses().that().resideInAnyPackage("io.runtimed.protocol..", "io.runtimed.paths..", "io.runtimed.sync..",
                        "io.runtimed.client..", "io.runtimed.service..", "io.runtimed.tools..", "io.runtimed.runtimes..")
                .should().dependOnClassesThat().resideInAnyPackage(DAEMON_INTERNALS)
                .check(classes);
    }

    @Test
    void channelsAreServedOnlyThroughTheServer() {
        noClasses().that().resideInAnyPackage("io.runtimed.server..")
                .should().dependOnClassesThat().resideInAnyPackage("io.runtimed.channel..", "io.runtimed.daemon..")
                .check(classes);
    }
}
