package io.runtimed.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** A test that needs a Debian package fails at once with one line when it is missing, never a skip. */
class SystemPackagesTest {
    /** Much less than the 60 s a pool test used to wait; a missing package is found in well under a second. */
    private static final Duration AT_ONCE = Duration.ofSeconds(5);

    @Nested
    class AMissingPackage {
        @Test
        void failsTheTestAtOnceWithOneLineNamingThePackageAndItsInstallCommand() {
            long started = System.nanoTime();
            assertThatThrownBy(() -> SystemPackages.require("no-such-package", () -> false))
                    .isInstanceOf(AssertionFailedError.class)
                    .hasMessage("needs Debian package no-such-package (install it with: sudo apt-get install no-such-package,"
                            + " or run bin/test)");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(AT_ONCE);
        }

        @Test
        void anExecutableThatIsNotOnPathFailsWithItsPackage() {
            assertThatThrownBy(() -> SystemPackages.requireExecutable("no-such-program-runtimed", "no-such-package"))
                    .isInstanceOf(AssertionFailedError.class)
                    .hasMessage("needs Debian package no-such-package (install it with: sudo apt-get install no-such-package,"
                            + " or run bin/test)");
        }

        @Test
        void aPythonModuleDebiansInterpreterCannotImportFailsAtOnce() {
            long started = System.nanoTime();
            assertThatThrownBy(() -> SystemPackages.require("python3-no-such-module",
                    () -> SystemPackages.debianPythonImports("no_such_module_runtimed")))
                    .isInstanceOf(AssertionFailedError.class)
                    .hasMessage("needs Debian package python3-no-such-module (install it with: sudo apt-get install"
                            + " python3-no-such-module, or run bin/test)");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(AT_ONCE);
        }

        @Test
        void severalMissingPackagesAreNamedTogetherInOneLineAndPresentOnesAreLeftOut() {
            Map<String, BooleanSupplier> packages = new LinkedHashMap<>();
            packages.put("first-missing", () -> false);
            packages.put("present", () -> true);
            packages.put("second-missing", () -> false);
            assertThatThrownBy(() -> SystemPackages.requireAll(packages))
                    .isInstanceOf(AssertionFailedError.class)
                    .hasMessage("needs Debian packages first-missing second-missing (install them with: sudo apt-get install"
                            + " first-missing second-missing, or run bin/test)")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    @Nested
    class APresentPackage {
        @Test
        void passes() {
            SystemPackages.require("present", () -> true);
        }

        @Test
        void anExecutableOnPathIsFoundWhereCommandVFindsIt() {
            Path sh = SystemPackages.requireExecutable("sh", "dash");
            assertThat(sh.getFileName().toString()).isEqualTo("sh");
            assertThat(Files.isExecutable(sh)).isTrue();
        }

        @Test
        void aModuleOfPythonsStandardLibraryImports() {
            SystemPackages.require("python3", () -> Files.isExecutable(Path.of(SystemPackages.DEBIAN_PYTHON)));
            assertThat(SystemPackages.debianPythonImports("json")).as("%s -c 'import json'", SystemPackages.DEBIAN_PYTHON)
                    .isTrue();
        }
    }
}
