package io.runtimed.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code install} copies for a lone binary, an unpacked distribution and a source checkout. */
class DaemonDistributionTest {
    @TempDir
    Path dir;
    Path installDir;
    Path binary;

    @BeforeEach
    void target() {
        installDir = dir.resolve("data/runt");
        binary = installDir.resolve("bin/runtimed");
    }

    /** bin/{runtimed,runt,.launch} where .launch records how it was called (the start-up archive training). */
    Path launchers(Path bin) throws IOException {
        Files.createDirectories(bin);
        write(bin.resolve("runtimed"), "#!/bin/sh\nexec \"$(dirname \"$0\")/.launch\" Main \"$@\"\n");
        write(bin.resolve("runt"), "#!/bin/sh\nexec \"$(dirname \"$0\")/.launch\" RuntMain \"$@\"\n");
        write(bin.resolve(".launch"), "#!/bin/sh\necho \"$RUNTIMED_CDS $*\" >> \"$(dirname \"$0\")/../launch.calls\"\n");
        return bin.resolve("runtimed");
    }

    Path distribution(Path root, String... deps) throws IOException {
        Path launcher = launchers(root.resolve("bin"));
        Files.createDirectories(root.resolve("lib/deps"));
        Files.writeString(root.resolve("lib/runtimed-cli.jar"), "cli jar");
        for (String d : deps) {
            Files.writeString(root.resolve("lib/deps").resolve(d), d);
        }
        return launcher;
    }

    @Nested
    class ALoneBinary {
        @Test
        void isCopiedAloneAsTheOriginalDoes() throws IOException {
            Path lone = write(dir.resolve("somewhere/runtimed-native"), "\u007fELF...");

            DaemonDistribution d = DaemonDistribution.of(lone);
            d.installInto(installDir, binary);

            assertThat(d.isJavaDistribution()).isFalse();
            assertThat(binary).hasSameBinaryContentAs(lone);
            assertThat(mode(binary)).isEqualTo("rwxr-xr-x");
            try (Stream<Path> files = Files.list(installDir)) {
                assertThat(files).containsExactly(installDir.resolve("bin"));
            }
        }
    }

    @Nested
    class AnUnpackedDistribution {
        @Test
        void bringsLaunchersJarsAndTheInstallingJvm() throws IOException {
            Path launcher = distribution(dir.resolve("runtimed-0.1.0"), "a-1.jar", "b-2.jar");

            DaemonDistribution d = DaemonDistribution.of(launcher);
            d.installInto(installDir, binary);

            assertThat(d.isJavaDistribution()).isTrue();
            for (String name : new String[] {"runtimed", "runt", ".launch"}) {
                assertThat(installDir.resolve("bin").resolve(name)).hasSameBinaryContentAs(launcher.resolveSibling(name));
                assertThat(mode(installDir.resolve("bin").resolve(name))).isEqualTo("rwxr-xr-x");
            }
            assertThat(installDir.resolve("lib/runtimed-cli.jar")).hasContent("cli jar");
            assertThat(names(installDir.resolve("lib/deps"))).containsExactly("a-1.jar", "b-2.jar");
            assertThat(installDir.resolve("lib/java.home")).hasContent(System.getProperty("java.home"));
        }

        @Test
        void recordsTheStartUpArchiveWithTheInstalledLauncher() throws IOException {
            distribution(dir.resolve("runtimed-0.1.0"));

            DaemonDistribution.of(dir.resolve("runtimed-0.1.0/bin/runtimed")).installInto(installDir, binary);
            assertThat(installDir.resolve("launch.calls")).as("nothing is run while copying").doesNotExist();

            StartupArchive.record(DaemonDistribution.launchScript(binary));

            assertThat(installDir.resolve("launch.calls")).hasContent("dump io.runtimed.cli.runtimed.CdsTraining");
        }

        @Test
        void noStartUpArchiveIsRecordedWhenTheInstallersEnvironmentTurnsItOff() throws IOException {
            distribution(dir.resolve("runtimed-0.1.0"));
            DaemonDistribution.of(dir.resolve("runtimed-0.1.0/bin/runtimed")).installInto(installDir, binary);

            StartupArchive.record(DaemonDistribution.launchScript(binary), java.util.Map.of(StartupArchive.SWITCH, "off"));

            assertThat(installDir.resolve("launch.calls")).doesNotExist();
        }

        @Test
        void aLauncherReachedThroughASymlinkStillBringsItsDistribution() throws IOException {
            Path launcher = distribution(dir.resolve("opt/runtimed-0.1.0"), "a-1.jar");
            Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("usr-bin")).resolve("runtimed"), launcher);

            DaemonDistribution.of(link).installInto(installDir, binary);

            assertThat(names(installDir.resolve("lib/deps"))).containsExactly("a-1.jar");
        }

        @Test
        void aNewerDistributionReplacesTheJarsWithoutLeftovers() throws IOException {
            DaemonDistribution.of(distribution(dir.resolve("old"), "a-1.jar", "gone-1.jar")).installInto(installDir, binary);

            DaemonDistribution.of(distribution(dir.resolve("new"), "a-2.jar")).installInto(installDir, binary);

            assertThat(names(installDir.resolve("lib/deps"))).containsExactly("a-2.jar");
            assertThat(names(installDir)).containsExactlyInAnyOrder("bin", "lib");
        }

        @Test
        void uninstallRemovesLaunchersAndJarsButNotForeignFiles() throws IOException {
            DaemonDistribution.of(distribution(dir.resolve("d"), "a-1.jar")).installInto(installDir, binary);
            Path foreign = write(installDir.resolve("bin/someone-elses"), "x");

            DaemonDistribution.uninstallFrom(installDir, binary);

            assertThat(names(installDir.resolve("bin"))).containsExactly("someone-elses");
            assertThat(installDir.resolve("lib")).doesNotExist();
            assertThat(foreign).exists();
        }
    }

    @Nested
    class ASourceCheckout {
        @Test
        void bringsTheBuiltJarsFromCliTarget() throws IOException {
            Path root = dir.resolve("checkout");
            Path launcher = launchers(root.resolve("bin"));
            Files.createDirectories(root.resolve("cli/target/lib"));
            Files.writeString(root.resolve("cli/target/runtimed-cli.jar"), "built cli jar");
            Files.writeString(root.resolve("cli/target/lib/dep-1.jar"), "dep");

            DaemonDistribution.of(launcher).installInto(installDir, binary);

            assertThat(installDir.resolve("lib/runtimed-cli.jar")).hasContent("built cli jar");
            assertThat(names(installDir.resolve("lib/deps"))).containsExactly("dep-1.jar");
            assertThat(installDir.resolve("bin/runt")).exists();
        }
    }

    private static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static String[] names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
        }
    }
}
