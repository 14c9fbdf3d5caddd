package io.runtimed.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import io.runtimed.tools.ToolSearchPath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The Debian packages some tests need, checked when such a test starts: a missing one fails the
 * test at once with one line naming the package and the command that installs it, where the test
 * would otherwise wait (60 s for a pool that never fills) and fail on something unrelated. Always
 * a failure, never a skip. {@code bin/test} installs every one of them; it checks the same things.
 *
 * <p>A package counts as present when what the tests use of it works, not when dpkg lists it, and
 * each check runs once per JVM.
 */
public final class SystemPackages {
    /**
     * Debian's interpreter, which the pool tests build their environments from (with
     * {@code --system-site-packages}), whatever python3 comes first on PATH (pyenv's, say). The
     * Python packages are checked with it.
     */
    public static final String DEBIAN_PYTHON = "/usr/bin/python3";
    private static final long PYTHON_CHECK_TIMEOUT_S = 30;

    private static final Map<String, Boolean> IMPORTS = new ConcurrentHashMap<>();

    private SystemPackages() {
    }

    /**
     * python3-ipykernel and python3-ipywidgets: every pool environment's warm-up imports both, so a
     * test that waits for a built (warmed) environment needs them.
     */
    public static void requireIpykernelAndIpywidgets() {
        requireAll(python("python3-ipykernel", "ipykernel", "python3-ipywidgets", "ipywidgets"));
    }

    /**
     * python3-nbformat, the reference for the .ipynb codec's output, and python3-nbclient, whose
     * test notebooks are part of the corpus the codec is compared on.
     */
    public static void requireNbformatAndNbclient() {
        requireAll(python("python3-nbformat", "nbformat", "python3-nbclient", "nbclient"));
    }

    /** python3-venv: {@code python3 -m venv} with pip (ensurepip), the uv pool's fallback without uv. */
    public static void requirePythonVenv() {
        requireAll(python("python3-venv", "ensurepip"));
    }

    /** nodejs and npm, which run the interop module's JS peers. */
    public static void requireNodeAndNpm() {
        Map<String, BooleanSupplier> packages = new LinkedHashMap<>();
        packages.put("nodejs", () -> onPath("node").isPresent());
        packages.put("npm", () -> onPath("npm").isPresent());
        requireAll(packages);
    }

    /** util-linux's flock(1), which takes the same BSD lock the reference daemon takes. Returns its path. */
    public static Path requireFlock() {
        return requireExecutable("flock", "util-linux");
    }

    /** util-linux's setsid(1), with which a daemon is started in its own session. Returns its path. */
    public static Path requireSetsid() {
        return requireExecutable("setsid", "util-linux");
    }

    /** systemd's systemd-analyze, which checks a unit file as systemd would load it. Returns its path. */
    public static Path requireSystemdAnalyze() {
        return requireExecutable("systemd-analyze", "systemd");
    }

    /** Fails unless {@code program} is an executable on PATH (as {@code command -v} finds it); returns its path. */
    public static Path requireExecutable(String program, String debianPackage) {
        Optional<Path> found = onPath(program);
        if (found.isEmpty()) {
            fail(message(List.of(debianPackage)));
        }
        return found.get();
    }

    /** Fails unless {@code present} says the package is there. */
    public static void require(String debianPackage, BooleanSupplier present) {
        requireAll(Map.of(debianPackage, present));
    }

    /** Checks every package and fails with one line naming all that are missing, in the map's order. */
    public static void requireAll(Map<String, BooleanSupplier> packages) {
        List<String> missing = new ArrayList<>();
        packages.forEach((name, present) -> {
            if (!present.getAsBoolean()) {
                missing.add(name);
            }
        });
        if (!missing.isEmpty()) {
            fail(message(missing));
        }
    }

    /** The one line a test fails with: the missing packages and how to install them. */
    public static String message(List<String> missing) {
        String names = String.join(" ", missing);
        return missing.size() == 1
                ? "needs Debian package " + names + " (install it with: sudo apt-get install " + names + ", or run bin/test)"
                : "needs Debian packages " + names + " (install them with: sudo apt-get install " + names + ", or run bin/test)";
    }

    /** Whether Debian's interpreter imports {@code module}: one process per module and JVM (an interrupted check is not kept). */
    public static boolean debianPythonImports(String module) {
        return IMPORTS.computeIfAbsent(module, SystemPackages::tryImport);
    }

    /** The first executable named {@code program} in a PATH directory, as {@code command -v} finds it. */
    public static Optional<Path> onPath(String program) {
        return ToolSearchPath.of(System.getenv(), null, List.of()).find(program);
    }

    private static Map<String, BooleanSupplier> python(String... packageThenModule) {
        Map<String, BooleanSupplier> packages = new LinkedHashMap<>();
        for (int i = 0; i < packageThenModule.length; i += 2) {
            String module = packageThenModule[i + 1];
            packages.put(packageThenModule[i], () -> debianPythonImports(module));
        }
        return packages;
    }

    private static boolean tryImport(String module) {
        if (!Files.isExecutable(Path.of(DEBIAN_PYTHON))) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(DEBIAN_PYTHON, "-c", "import " + module)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(PYTHON_CHECK_TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking whether " + DEBIAN_PYTHON + " imports " + module, e);
        }
    }
}
