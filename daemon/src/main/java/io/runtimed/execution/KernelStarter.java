package io.runtimed.execution;

import io.runtimed.kernel.KernelLaunchException;
import io.runtimed.kernel.KernelLauncher;
import io.runtimed.kernel.KernelSpec;
import io.runtimed.kernel.RunningKernel;
import io.runtimed.pool.EnvPools;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.PooledEnv;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Starts a kernel in an environment taken from the pools (KERNELS.md §5.3 "Prewarmed", §5.4): the
 * environment's interpreter runs {@code ipykernel_launcher}; a uv-type environment also gets
 * {@code VIRTUAL_ENV} and its {@code bin} first on {@code PATH}, so that {@code !pip} and
 * {@code uv pip} inside the kernel install into it. A launch that fails deletes its environment.
 */
public final class KernelStarter {
    private final EnvPools pools;
    private final KernelLauncher launcher;

    public KernelStarter(EnvPools pools, KernelLauncher launcher) {
        this.pools = pools;
        this.launcher = launcher;
    }

    StartedKernel start(EnvType type, Path workingDirectory, String notebookId)
            throws PoolEmptyException, KernelLaunchException {
        Optional<PooledEnv> taken = pools.take(type);
        if (taken.isEmpty()) {
            throw new PoolEmptyException(type);
        }
        KernelEnvironment env = KernelEnvironment.claim(taken.get());
        ListenerSwitch events = new ListenerSwitch();
        try {
            RunningKernel kernel = launcher.launch(KernelSpec.ipykernel(env.python(), workingDirectory,
                    environment(type, env), null), notebookId, events);
            return new StartedKernel(kernel, env, type, events);
        } catch (KernelLaunchException | RuntimeException e) {
            env.delete();
            throw e;
        }
    }

    private static Map<String, String> environment(EnvType type, KernelEnvironment env) {
        Map<String, String> vars = new LinkedHashMap<>();
        if (type == EnvType.UV) {
            vars.put("VIRTUAL_ENV", env.directory().toString());
            String path = System.getenv("PATH");
            String bin = env.python().getParent().toString();
            vars.put("PATH", path == null || path.isEmpty() ? bin : bin + ":" + path);
        }
        return vars;
    }
}
