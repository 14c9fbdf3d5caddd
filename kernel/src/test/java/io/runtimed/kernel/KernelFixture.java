package io.runtimed.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A temp base directory with a registry, a connection directory and a launcher for real
 * ipykernels on Debian's /usr/bin/python3 (python3-ipykernel 6.17).
 */
final class KernelFixture implements AutoCloseable {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    final Path base;
    final Path connectionDir;
    final KernelRegistry registry;
    final KernelLauncher launcher;

    KernelFixture() throws IOException {
        base = Files.createTempDirectory("runtimed-kernel-test");
        connectionDir = base.resolve("runtime");
        registry = new KernelRegistry(base);
        launcher = new KernelLauncher(connectionDir, registry);
    }

    KernelSpec ipykernel() {
        return KernelSpec.ipykernel(PYTHON, base, Map.of(), null);
    }

    RunningKernel launch(KernelListener listener) throws KernelLaunchException {
        return launcher.launch(KernelLauncher.newKernelId(), ipykernel(), "notebook-1", listener, TIMEOUT);
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> files = Files.walk(base)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
