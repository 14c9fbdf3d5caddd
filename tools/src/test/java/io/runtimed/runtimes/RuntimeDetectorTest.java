package io.runtimed.runtimes;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.protocol.Json;
import io.runtimed.sync.settings.NotebookRuntime;
import io.runtimed.tools.ProcessRunner;
import io.runtimed.tools.ToolSearchPath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue 7 item 4: which runtimes and tools are usable, found in the pools' search directories. */
class RuntimeDetectorTest {
    @TempDir
    Path tmp;

    Path bin;
    Path home;

    @BeforeEach
    void dirs() throws IOException {
        bin = Files.createDirectories(tmp.resolve("bin"));
        home = Files.createDirectories(tmp.resolve("home"));
    }

    /** A detector that sees only {@code bin} on PATH and the temp home, none of the machine's own tools. */
    private RuntimeInventory detect(Duration timeout) {
        return detect(bin.toString(), timeout);
    }

    private RuntimeInventory detect(String path, Duration timeout) {
        ToolSearchPath only = ToolSearchPath.of(Map.of("PATH", path), home, List.of());
        return new RuntimeDetector(only, new ProcessRunner(Map.of()), timeout).detect();
    }

    private RuntimeInventory detect() {
        return detect(RuntimeDetector.PROBE_TIMEOUT);
    }

    /** A {@code #!/bin/sh} stand-in for a program this machine does not have. */
    static Path standIn(Path dir, String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private static DetectedTool usable(String name, Path path, String version) {
        return new DetectedTool(name, path.toString(), version, true, null);
    }

    @Nested
    class Tools {
        @Test
        void findsDenoWithItsVersionWithStandInDeno() throws Exception {
            Path deno = standIn(bin, "deno", "echo 'deno 2.1.4 (stable, release, x86_64-unknown-linux-gnu)'\n"
                    + "echo 'v8 13.0.245.12-rusty'\necho 'typescript 5.6.2'");
            RuntimeInventory inv = detect();
            assertThat(inv.tool("deno")).contains(usable("deno", deno, "2.1.4"));
            assertThat(inv.usable()).containsExactly(NotebookRuntime.DENO);
        }

        @Test
        void readsEachToolsOwnVersionFormatWithStandIns() throws Exception {
            Path uv = standIn(bin, "uv", "echo 'uv 0.5.11 (c4d0caaee 2024-12-19)'");
            Path micromamba = standIn(bin, "micromamba", "echo 2.0.5");
            Path mamba = standIn(bin, "mamba", "echo 'mamba 1.5.8'; echo 'conda 24.3.0'");
            Path conda = standIn(bin, "conda", "echo 'conda 24.11.0'");
            RuntimeInventory inv = detect();
            assertThat(inv.tools()).containsExactly(
                    DetectedTool.notFound("deno"),
                    usable("uv", uv, "0.5.11"),
                    usable("micromamba", micromamba, "2.0.5"),
                    usable("mamba", mamba, "1.5.8"),
                    usable("conda", conda, "24.11.0"));
            assertThat(inv.usable()).as("uv and conda alone run no notebook").isEmpty();
        }

        @Test
        void aToolWhoseVersionFailsIsFoundButNotUsableWithStandInUv() throws Exception {
            Path uv = standIn(bin, "uv", "echo 'error: cannot read config' >&2; exit 1");
            DetectedTool found = detect().tool("uv").orElseThrow();
            assertThat(found.path()).isEqualTo(uv.toString());
            assertThat(found.found()).isTrue();
            assertThat(found.usable()).isFalse();
            assertThat(found.version()).isNull();
            assertThat(found.problem()).isEqualTo("uv --version failed (exit 1): error: cannot read config");
        }

        @Test
        void aDenoThatFailsMakesNoDenoRuntimeWithStandInDeno() throws Exception {
            standIn(bin, "deno", "exit 3");
            RuntimeInventory inv = detect();
            assertThat(inv.tool("deno").orElseThrow().problem()).isEqualTo("deno --version failed (exit 3)");
            assertThat(inv.usable()).doesNotContain(NotebookRuntime.DENO);
        }

        @Test
        void aToolThatHangsIsReportedAsTimedOutWithStandInConda() throws Exception {
            // the stand-in never answers; the test waits only for the detector's own timeout
            standIn(bin, "conda", "exec sleep 60");
            long start = System.nanoTime();
            DetectedTool conda = detect(Duration.ofSeconds(1)).tool("conda").orElseThrow();
            assertThat(conda.usable()).isFalse();
            assertThat(conda.problem()).isEqualTo("conda --version: timed out after 1 s");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }

        @Test
        void aToolThatPrintsNoVersionIsUsableWithoutOneWithStandInMicromamba() throws Exception {
            Path micromamba = standIn(bin, "micromamba", "echo 'development build'");
            assertThat(detect().tool("micromamba")).contains(usable("micromamba", micromamba, null));
        }

        @Test
        void everyToolIsListedEvenWhenNothingIsFound() {
            RuntimeInventory inv = detect();
            assertThat(inv.tools()).extracting(DetectedTool::name).containsExactly("deno", "uv", "micromamba", "mamba", "conda");
            assertThat(inv.tools()).allSatisfy(t -> {
                assertThat(t.found()).isFalse();
                assertThat(t.usable()).isFalse();
                assertThat(t.problem()).isEqualTo("not found");
            });
            assertThat(inv.interpreters()).isEmpty();
            assertThat(inv.usable()).isEmpty();
        }

        @Test
        void toolsInTheUsersInstallDirectoriesAreFoundWithoutPathWithStandInDeno() throws Exception {
            Path deno = standIn(Files.createDirectories(home.resolve(".deno/bin")), "deno", "echo 'deno 2.0.0'");
            Path uv = standIn(Files.createDirectories(home.resolve(".local/bin")), "uv", "echo 'uv 0.4.0'");
            RuntimeInventory inv = detect();
            assertThat(inv.tool("deno")).contains(usable("deno", deno, "2.0.0"));
            assertThat(inv.tool("uv")).contains(usable("uv", uv, "0.4.0"));
        }

        @Test
        void theFirstOnPathWinsWithStandInUvs() throws Exception {
            Path second = Files.createDirectories(tmp.resolve("second"));
            standIn(second, "uv", "echo 'uv 0.1.0'");
            Path first = standIn(bin, "uv", "echo 'uv 0.9.0'");
            RuntimeInventory inv = detect(bin + ":" + second, RuntimeDetector.PROBE_TIMEOUT);
            assertThat(inv.tool("uv")).contains(usable("uv", first, "0.9.0"));
        }

        @Test
        void probesRunAtTheSameTimeWithStandInsThatMeetThroughAFifo() throws Exception {
            // deno's open of the fifo for reading blocks until uv opens it for writing, and the other way
            // round: probed one after the other, the first would time out.
            Path fifo = tmp.resolve("meet");
            assertThat(new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor()).isZero();
            Path deno = standIn(bin, "deno", "read line < '" + fifo + "'; echo \"deno $line\"");
            Path uv = standIn(bin, "uv", "echo 1.2.3 > '" + fifo + "'; echo 'uv 0.5.0'");
            RuntimeInventory inv = detect(Duration.ofSeconds(3));
            assertThat(inv.tool("deno")).contains(usable("deno", deno, "1.2.3"));
            assertThat(inv.tool("uv")).contains(usable("uv", uv, "0.5.0"));
        }
    }

    @Nested
    class PythonInterpreters {
        @Test
        void aVersionedInterpreterIsListedWithItsVersionWithStandInPython312() throws Exception {
            Path py = standIn(bin, "python3.12", "echo 'Python 3.12.1'");
            RuntimeInventory inv = detect();
            assertThat(inv.interpreters()).containsExactly(usable("python3.12", py, "3.12.1"));
            assertThat(inv.usable()).containsExactly(NotebookRuntime.PYTHON);
        }

        @Test
        void python3ThenPythonThenTheNewestVersionFirstWithStandIns() throws Exception {
            Path py39 = standIn(bin, "python3.9", "echo 'Python 3.9.18'");
            Path py312 = standIn(bin, "python3.12", "echo 'Python 3.12.1'");
            Path py310 = standIn(bin, "python3.10", "echo 'Python 3.10.13'");
            Path python = standIn(bin, "python", "echo 'Python 3.8.10' >&2");
            Path python3 = standIn(bin, "python3", "echo 'Python 3.11.7'");
            assertThat(detect().interpreters()).containsExactly(
                    usable("python3", python3, "3.11.7"),
                    usable("python", python, "3.8.10"),
                    usable("python3.12", py312, "3.12.1"),
                    usable("python3.10", py310, "3.10.13"),
                    usable("python3.9", py39, "3.9.18"));
        }

        @Test
        void aFileReachedUnderSeveralNamesIsListedOnceUnderTheFirstWithStandInPython312() throws Exception {
            Path py312 = standIn(bin, "python3.12", "echo 'Python 3.12.1'");
            Files.createSymbolicLink(bin.resolve("python3"), py312.getFileName());
            Path other = Files.createDirectories(tmp.resolve("other"));
            Files.createSymbolicLink(other.resolve("python"), py312);
            RuntimeInventory inv = detect(bin + ":" + other, RuntimeDetector.PROBE_TIMEOUT);
            assertThat(inv.interpreters()).containsExactly(usable("python3", bin.resolve("python3"), "3.12.1"));
        }

        @Test
        void theSameNameInTwoDirectoriesIsListedTwiceWithStandIns() throws Exception {
            Path local = Files.createDirectories(home.resolve(".local/bin"));
            Path mine = standIn(local, "python3", "echo 'Python 3.13.0'");
            Path onPath = standIn(bin, "python3", "echo 'Python 3.11.7'");
            assertThat(detect().interpreters()).containsExactly(
                    usable("python3", onPath, "3.11.7"), usable("python3", mine, "3.13.0"));
        }

        @Test
        void namesThatOnlyLookLikeAnInterpreterAreIgnoredWithStandIns() throws Exception {
            for (String name : List.of("python3.12-config", "python3-config", "python3.12m", "python3.x", "python2")) {
                standIn(bin, name, "echo 'Python 3.12.1'");
            }
            Files.writeString(bin.resolve("python3.11"), "not executable");
            assertThat(detect().interpreters()).isEmpty();
        }

        @Test
        void aBrokenInterpreterIsListedButMakesNoPythonRuntimeWithStandInPython3() throws Exception {
            Path python3 = standIn(bin, "python3", "echo 'pyenv: python3: command not found' >&2; echo >&2;"
                    + " echo 'Note: See pyenv help global' >&2; exit 127");
            RuntimeInventory inv = detect();
            assertThat(inv.interpreters()).containsExactly(new DetectedTool("python3", python3.toString(), null, false,
                    "python3 --version failed (exit 127): pyenv: python3: command not found"));
            assertThat(inv.usable()).isEmpty();
        }

        @Test
        void aPython2IsListedButMakesNoPythonRuntimeWithStandInPython() throws Exception {
            Path python = standIn(bin, "python", "echo 'Python 2.7.18' >&2");
            RuntimeInventory inv = detect();
            assertThat(inv.interpreters()).containsExactly(new DetectedTool("python", python.toString(), "2.7.18", false,
                    "Python 2 cannot run notebooks (ipykernel and the pools need Python 3)"));
            assertThat(inv.usable()).isEmpty();
        }

        @Test
        void aNameWithAnAbsurdMinorVersionIsNotTakenForAnInterpreterWithStandIns() throws Exception {
            standIn(bin, "python3.99999999999", "echo 'Python 3.0.0'");
            standIn(bin, "python3.12", "echo 'Python 3.12.1'");
            assertThat(detect().interpreters()).extracting(DetectedTool::name).containsExactly("python3.12");
        }

        @Test
        void oneWorkingInterpreterBesideABrokenOneMakesPythonUsableWithStandIns() throws Exception {
            standIn(bin, "python3", "exit 1");
            standIn(bin, "python3.12", "echo 'Python 3.12.1'");
            assertThat(detect().usable()).containsExactly(NotebookRuntime.PYTHON);
        }
    }

    @Nested
    class OnThisMachine {
        @Test
        void theMachinesPython3IsDetectedWithAThreePartVersion() {
            RuntimeInventory inv = RuntimeDetector.forEnvironment(Map.of("PATH", System.getenv("PATH"),
                    "HOME", home.toString()), tmp.resolve("probes.properties")).detect();
            assertThat(inv.interpreters()).as("%s", inv).anySatisfy(p -> {
                assertThat(p.name()).isEqualTo("python3");
                assertThat(p.usable()).isTrue();
                assertThat(p.version()).matches("\\d+\\.\\d+\\.\\d+");
                assertThat(Path.of(p.path())).isAbsolute().isExecutable();
            });
            assertThat(inv.usable()).contains(NotebookRuntime.PYTHON);
        }
    }

    @Nested
    class VersionText {
        @ParameterizedTest(name = "{0} → {1}")
        @CsvSource(delimiter = '|', value = {
            "Python 3.11.7|3.11.7",
            "Python 3.13.0rc1|3.13.0rc1",
            "deno 2.1.4 (stable, release, x86_64-unknown-linux-gnu)\\nv8 13.0.245.12-rusty|2.1.4",
            "uv 0.5.11 (c4d0caaee 2024-12-19)|0.5.11",
            "2.0.5|2.0.5",
            "conda 24.11.0|24.11.0",
            "mamba 1.5.8\\nconda 24.3.0|1.5.8",
            "v1.2.3|1.2.3"})
        void isTheFirstVersionLookingToken(String output, String version) {
            // the table writes a line break as a backslash and n
            assertThat(VersionProbe.versionIn(output.replace("\\n", "\n"))).contains(version);
        }

        @Test
        void isAbsentWhenNothingLooksLikeOne() {
            assertThat(VersionProbe.versionIn("development build x86_64 2024-12-19")).isEmpty();
        }

        @Test
        void ofAFailureIsItsFirstLineBeforeAnyAdvice() {
            assertThat(VersionProbe.errorLine("pyenv: python3.12: command not found\n\n"
                    + "The `python3.12' command exists in these Python versions:\n  3.12.1\n\n"
                    + "Note: See 'pyenv help global' for tips on allowing both\n"
                    + "      Python 2 and Python 3 to be found at the same time."))
                    .isEqualTo("pyenv: python3.12: command not found");
        }

        @Test
        void ofAPythonTracebackIsItsLastLineEvenWithoutTheHeader() {
            String frames = "  File \"/opt/conda/bin/conda\", line 12, in <module>\n    from conda.cli import main\n"
                    + "ModuleNotFoundError: No module named 'conda'";
            assertThat(VersionProbe.errorLine("Traceback (most recent call last):\n" + frames))
                    .isEqualTo("ModuleNotFoundError: No module named 'conda'");
            assertThat(VersionProbe.errorLine(frames)).isEqualTo("ModuleNotFoundError: No module named 'conda'");
        }
    }

    @Nested
    class TheJson {
        @Test
        void isSnakeCaseWithEveryKeyPresent() {
            RuntimeInventory inv = RuntimeInventory.of(
                    List.of(new DetectedTool("python3", "/usr/bin/python3", "3.11.2", true, null)),
                    List.of(DetectedTool.notFound("deno"),
                            new DetectedTool("uv", "/home/a/.local/bin/uv", null, false, "uv --version failed (exit 1)")));
            assertThat(new String(Json.compact(inv), StandardCharsets.UTF_8)).isEqualTo("{\"usable\":[\"python\"],"
                    + "\"interpreters\":[{\"name\":\"python3\",\"path\":\"/usr/bin/python3\",\"version\":\"3.11.2\",\"usable\":true,\"problem\":null}],"
                    + "\"tools\":[{\"name\":\"deno\",\"path\":null,\"version\":null,\"usable\":false,\"problem\":\"not found\"},"
                    + "{\"name\":\"uv\",\"path\":\"/home/a/.local/bin/uv\",\"version\":null,\"usable\":false,\"problem\":\"uv --version failed (exit 1)\"}]}");
        }

        @Test
        void readsBackToTheSameInventory() throws Exception {
            RuntimeInventory inv = RuntimeInventory.of(
                    List.of(new DetectedTool("python3", "/usr/bin/python3", "3.11.2", true, null)),
                    List.of(new DetectedTool("deno", "/usr/bin/deno", "2.1.4", true, null)));
            assertThat(Json.MAPPER.readValue(Json.compact(inv), RuntimeInventory.class)).isEqualTo(inv);
            assertThat(inv.usable()).containsExactly(NotebookRuntime.PYTHON, NotebookRuntime.DENO);
        }
    }
}
