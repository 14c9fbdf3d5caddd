package io.runtimed.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which tool builds each pool, with stand-in tools on a controlled PATH. */
class BackendDetectorTest {
    @TempDir
    Path tmp;

    StandIns tools;
    Path home;
    ProcessRunner runner = new ProcessRunner(Map.of());

    @BeforeEach
    void setUp() throws IOException {
        tools = new StandIns(tmp.resolve("tools"));
        home = Files.createDirectories(tmp.resolve("home"));
    }

    private BackendDetector detector() {
        return new BackendDetector(Map.of("PATH", tools.bin().toString()), home, runner);
    }

    @Test
    void uvOnThePathBuildsTheUvPool() throws Exception {
        Path uv = tools.uv();
        DetectedBackend backend = detector().uvPool(null, null);
        assertThat(backend.kind()).isEqualTo(DetectedBackend.Kind.UV);
        assertThat(backend.describe()).isEqualTo("uv (" + uv + ")");
    }

    @Test
    void uvInTheUsersLocalBinIsFoundEvenWhenPathLacksIt() throws Exception {
        Path local = Files.createDirectories(home.resolve(".local/bin"));
        Path uv = tools.uv();
        Files.move(uv, local.resolve("uv"));
        DetectedBackend backend = detector().uvPool(null, null);
        assertThat(backend.describe()).isEqualTo("uv (" + local.resolve("uv") + ")");
    }

    @Test
    void withoutUvTheVenvFallbackUsesTheGivenInterpreterOrPython3() throws Exception {
        assertThat(detector().uvPool(null, Path.of("/usr/bin/python3")).describe())
                .isEqualTo("venv + pip (/usr/bin/python3)");
        Path python3 = tools.python3();
        assertThat(detector().uvPool(null, null).describe()).isEqualTo("venv + pip (" + python3 + ")");
    }

    @Test
    void anExplicitUvThatDoesNotRunDisablesThePoolWithAReason() throws Exception {
        Path broken = tmp.resolve("broken-uv");
        Files.writeString(broken, "#!/bin/sh\nexit 7\n");
        Files.setPosixFilePermissions(broken, PosixFilePermissions.fromString("rwxr-xr-x"));
        DetectedBackend backend = detector().uvPool(broken, null);
        assertThat(backend.whyUnavailable()).hasValueSatisfying(r -> assertThat(r).contains("exit 7"));

        DetectedBackend missing = detector().uvPool(tmp.resolve("nope"), null);
        assertThat(missing.whyUnavailable()).hasValueSatisfying(r -> assertThat(r).contains("cannot run"));
    }

    @Test
    void micromambaIsPreferredOverMambaOverConda() throws Exception {
        tools.condaTool("conda");
        assertThat(detector().condaPool(null).describe()).startsWith("conda (");
        tools.condaTool("mamba");
        assertThat(detector().condaPool(null).describe()).startsWith("mamba (");
        tools.condaTool("micromamba");
        assertThat(detector().condaPool(null).describe()).startsWith("micromamba (");
    }

    @Test
    void anExplicitCondaToolWins() throws Exception {
        tools.condaTool("micromamba");
        Path other = new StandIns(tmp.resolve("other")).condaTool("conda");
        assertThat(detector().condaPool(other).describe()).isEqualTo("conda (" + other + ")");
    }

    @Test
    void noToolAtAllMeansUnavailableNotAnError() throws Exception {
        DetectedBackend conda = detector().condaPool(null);
        assertThat(conda.whyUnavailable()).isPresent();
        assertThat(conda.describe()).isEqualTo("none");
    }
}
