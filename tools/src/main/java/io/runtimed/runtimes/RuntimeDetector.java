package io.runtimed.runtimes;

import io.runtimed.tools.ProcessRunner;
import io.runtimed.tools.ToolSearchPath;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.regex.Pattern;

/**
 * Finds which notebook runtimes this machine can run (issue 7 item 4): every python interpreter
 * ({@code python3}, {@code python}, {@code python3.N}) and the tools deno, uv, micromamba, mamba and
 * conda, in the same directories the pools search ({@link ToolSearchPath}), each asked for its
 * version. The probes run in parallel, each with a short timeout, so that {@code runtimed status}
 * stays fast.
 */
public final class RuntimeDetector {
    static final String DENO = "deno";
    /** The tools reported besides the interpreters, in the order they are shown. */
    public static final List<String> TOOLS = List.of(DENO, "uv", "micromamba", "mamba", "conda");
    /** Long enough for conda (a Python program) on a busy machine, short enough for a status line. */
    public static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    /** At most three digits: a file named python3.99999999999 is not an interpreter worth a parse failure. */
    private static final Pattern VERSIONED_PYTHON = Pattern.compile("python3\\.\\d{1,3}");

    private final ToolSearchPath searchPath;
    private final VersionProbe probe;
    /** Recent answers, or null to probe everything every time. */
    private final ProbeCache cache;

    public RuntimeDetector(ToolSearchPath searchPath, ProcessRunner runner, Duration probeTimeout) {
        this(searchPath, runner, probeTimeout, null);
    }

    RuntimeDetector(ToolSearchPath searchPath, ProcessRunner runner, Duration probeTimeout, ProbeCache cache) {
        this.searchPath = searchPath;
        this.probe = new VersionProbe(runner, probeTimeout);
        this.cache = cache;
    }

    /**
     * A detector for the caller's own environment: its PATH and HOME, as a CLI sees them, keeping
     * recent answers in {@code probeCache} ({@link ProbeCache}: a one-shot command must not start
     * every interpreter each time).
     */
    public static RuntimeDetector forEnvironment(Map<String, String> env, Path probeCache) {
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        return new RuntimeDetector(ToolSearchPath.of(env, home == null ? null : Path.of(home)),
                new ProcessRunner(Map.of()), PROBE_TIMEOUT, ProbeCache.at(probeCache, Clock.systemUTC()));
    }

    /** Looks for everything and asks each program found for its version, all at once. */
    public RuntimeInventory detect() {
        List<Found> interpreters = pythonInterpreters();
        List<Found> tools = new ArrayList<>();
        for (String tool : TOOLS) {
            tools.add(new Found(tool, searchPath.find(tool)));
        }
        List<FutureTask<DetectedTool>> interpreterProbes = start(interpreters);
        List<FutureTask<DetectedTool>> toolProbes = start(tools);
        List<DetectedTool> pythons = finish(interpreters, interpreterProbes).stream()
                .map(RuntimeDetector::python3Only).toList();
        RuntimeInventory inventory = RuntimeInventory.of(pythons, finish(tools, toolProbes));
        if (cache != null) {
            cache.save();
        }
        return inventory;
    }

    /** A `python` that is Python 2 runs, but no notebook kernel or pool environment can use it. */
    private static DetectedTool python3Only(DetectedTool t) {
        if (t.usable() && t.version() != null && t.version().startsWith("2.")) {
            return new DetectedTool(t.name(), t.path(), t.version(), false,
                    "Python 2 cannot run notebooks (ipykernel and the pools need Python 3)");
        }
        return t;
    }

    /**
     * {@code python3} wherever it is, then {@code python}, then {@code python3.N} newest first; a file
     * reached under several names or through symlinks (python3 → python3.11) is listed once, under the
     * first name, so the first entry is the one a shell would run as {@code python3}.
     */
    private List<Found> pythonInterpreters() {
        List<String> names = new ArrayList<>(List.of("python3", "python"));
        searchPath.namesMatching(VERSIONED_PYTHON.asMatchPredicate()).stream()
                .sorted(Comparator.comparingInt((String n) -> Integer.parseInt(n.substring("python3.".length())))
                        .reversed())
                .forEach(names::add);
        Set<Path> seen = new HashSet<>();
        List<Found> found = new ArrayList<>();
        for (String name : names) {
            for (Path p : searchPath.findAll(name)) {
                if (seen.add(realPath(p))) {
                    found.add(new Found(name, Optional.of(p)));
                }
            }
        }
        return found;
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p;
        }
    }

    private List<FutureTask<DetectedTool>> start(List<Found> found) {
        List<FutureTask<DetectedTool>> tasks = new ArrayList<>();
        for (Found f : found) {
            Optional<DetectedTool> known = cache == null || f.path().isEmpty() ? Optional.empty()
                    : cache.get(f.name(), f.path().get());
            FutureTask<DetectedTool> task = new FutureTask<>(() -> {
                if (f.path().isEmpty()) {
                    return DetectedTool.notFound(f.name());
                }
                return known.isPresent() ? known.get() : probed(f.name(), f.path().get());
            });
            if (f.path().isPresent() && known.isEmpty()) {
                Thread t = new Thread(task, "runtime-probe-" + f.name());
                t.setDaemon(true);
                t.start();
            } else {
                task.run();
            }
            tasks.add(task);
        }
        return tasks;
    }

    /** Probes {@code program} and keeps the answer for the next detection. */
    private DetectedTool probed(String name, Path program) throws InterruptedException {
        DetectedTool result = probe.probe(name, program);
        if (cache != null) {
            cache.put(name, program, result);
        }
        return result;
    }

    /** Each probe's answer; each ends within its timeout (the runner kills a program that does not). */
    private static List<DetectedTool> finish(List<Found> found, List<FutureTask<DetectedTool>> tasks) {
        List<DetectedTool> out = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            Found f = found.get(i);
            String path = f.path().map(Path::toString).orElse(null);
            try {
                out.add(tasks.get(i).get());
            } catch (InterruptedException | CancellationException e) {
                // interrupted now, or cancelled below when an earlier probe was: stop them all
                Thread.currentThread().interrupt();
                tasks.forEach(t -> t.cancel(true));
                out.add(new DetectedTool(f.name(), path, null, false, "not probed: interrupted"));
            } catch (ExecutionException e) {
                out.add(new DetectedTool(f.name(), path, null, false, "probe failed: " + e.getCause()));
            }
        }
        return out;
    }

    /** A program looked for under {@code name}, and where it was found, if anywhere. */
    private record Found(String name, Optional<Path> path) {
    }
}
