package io.runtimed.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PooledEnv;
import io.runtimed.testkit.SystemPackages;
import io.runtimed.tools.ProcessRunner;
import io.runtimed.tools.StandIns;
import io.runtimed.tools.StepFailedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One build: created, warmed, verified, marked; or nothing left behind. */
class EnvBuilderTest {
    @TempDir
    Path tmp;

    private final ProcessRunner runner = new ProcessRunner(Map.of());

    private long entries(Path root) throws Exception {
        if (!Files.exists(root)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.count();
        }
    }

    @Test
    void aSuccessfulBuildIsWarmedAndMarked() throws Exception {
        SystemPackages.requireIpykernelAndIpywidgets();
        Path uv = new StandIns(tmp.resolve("tools")).uv();
        EnvDirectories dirs = new EnvDirectories(tmp.resolve("envs"));
        PooledEnv env = new EnvBuilder(dirs, runner).build(new UvBackend(uv), PoolSettings.defaults());
        assertThat(Path.of(env.venvPath()).resolve(".warmed")).exists();
        assertThat(env.envType()).isEqualTo(EnvType.UV);
    }

    @Test
    void anEnvironmentWhereIpykernelIsMissingIsDeletedNotHandedOut() throws Exception {
        // a real venv without system site-packages has no ipykernel: the warm-up must fail
        EnvBackend bare = new VenvBackendWithoutPip();
        EnvDirectories dirs = new EnvDirectories(tmp.resolve("envs"));
        assertThatThrownBy(() -> new EnvBuilder(dirs, runner).build(bare, PoolSettings.defaults()))
                .isInstanceOf(StepFailedException.class)
                .hasMessageContaining("warm-up failed");
        assertThat(entries(dirs.root())).isZero();
    }

    @Test
    void aBackendThatCreatesNoInterpreterFailsTheBuild() throws Exception {
        EnvDirectories dirs = new EnvDirectories(tmp.resolve("envs"));
        EnvBackend empty = new VenvBackendWithoutPip() {
            @Override
            public void create(Path dir, PoolSettings settings, ProcessRunner r) throws StepFailedException {
                try {
                    Files.createDirectories(dir);
                } catch (java.io.IOException e) {
                    throw new StepFailedException(e.getMessage());
                }
            }
        };
        assertThatThrownBy(() -> new EnvBuilder(dirs, runner).build(empty, PoolSettings.defaults()))
                .hasMessageContaining("no interpreter");
        assertThat(entries(dirs.root())).isZero();
    }

    /** A bare virtualenv: real, fast, and without ipykernel. */
    private static class VenvBackendWithoutPip implements EnvBackend {
        @Override
        public EnvType type() {
            return EnvType.UV;
        }

        @Override
        public String describe() {
            return "bare venv";
        }

        @Override
        public java.util.Optional<String> unavailableReason() {
            return java.util.Optional.empty();
        }

        @Override
        public void create(Path dir, PoolSettings settings, ProcessRunner r) throws StepFailedException, InterruptedException {
            r.runOk("venv", java.util.List.of(StandIns.PYTHON, "-m", "venv", "--without-pip", dir.toString()), null,
                    java.time.Duration.ofSeconds(60));
        }

        @Override
        public String warmupScript() {
            return WarmupScripts.UV;
        }
    }
}
