package io.runtimed.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.client.NotebookClient;
import io.runtimed.daemon.Daemon;
import io.runtimed.daemon.DaemonConfig;
import io.runtimed.ipynb.NbformatJson;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.NotebookRequest;
import io.runtimed.protocol.NotebookResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Issue 15's figures: a 200-cell notebook with about 5 MB of outputs (images included) opened in a
 * new room until a second window has the whole document, and saved, against loading and saving the
 * same file with nbformat in Python (Debian's python3-nbformat), in one run on the same machine.
 */
public final class NotebookFileBench {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private NotebookFileBench() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int cells = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Path home = Files.createTempDirectory("rtnbfile");
        try {
            Path source = home.resolve("source.ipynb");
            byte[] bytes = NbformatJson.write(notebook(cells)).getBytes(StandardCharsets.UTF_8);
            Files.write(source, bytes);
            System.out.printf("runtimed notebook file bench: %d cores; %d cells, file %.1f MB; %d runs each%n",
                    Runtime.getRuntime().availableProcessors(), cells, bytes.length / 1e6, runs);
            DaemonConfig.Builder b = DaemonConfig.builder(new RuntPaths(BaseDirs.under(home.resolve("daemon"))))
                    .poolSizes(0, 0);
            b.kernels(b.kernels().withPoolSize(0));
            long[] open = new long[runs];
            long[] openFirst = new long[runs];
            long[] save = new long[runs];
            try (Daemon daemon = Daemon.start(b.build())) {
                for (int i = -1; i < runs; i++) { // one not counted: page cache, JIT
                    Path file = home.resolve("run" + (i + 1) + ".ipynb");
                    Files.copy(source, file);
                    String id = file.toString();
                    long t0 = System.nanoTime();
                    try (NotebookClient a = NotebookClient.join(b.build().socket(), id)) {
                        long t1 = System.nanoTime();
                        try (NotebookClient second = NotebookClient.join(b.build().socket(), id)) {
                            if (second.waitFor(s -> s.cells().size() == cells, WAIT).isEmpty()) {
                                throw new IllegalStateException("the second window never had every cell");
                            }
                            long t2 = System.nanoTime();
                            NotebookResponse r = a.kernel().request(new NotebookRequest.SaveNotebook(false), WAIT);
                            long t3 = System.nanoTime();
                            if (!(r instanceof NotebookResponse.NotebookSaved)) {
                                throw new IllegalStateException("save answered " + r);
                            }
                            if (i >= 0) {
                                openFirst[i] = t1 - t0;
                                open[i] = t2 - t0;
                                save[i] = t3 - t2;
                            }
                        }
                    }
                }
            }
            double[] py = python(source, runs);
            System.out.printf("    open: first window joined (file loaded into the room) p50 %.1f ms; second window has "
                    + "the whole document p50 %.1f ms (min %.1f); target <= 500 ms%n", ms(p50(openFirst)), ms(p50(open)),
                    ms(Arrays.stream(open).min().orElse(0)));
            System.out.printf("    save_notebook: p50 %.1f ms (min %.1f); target <= 200 ms%n", ms(p50(save)),
                    ms(Arrays.stream(save).min().orElse(0)));
            System.out.printf("    nbformat in Python, same file: read p50 %.1f ms, write p50 %.1f ms%n", py[0], py[1]);
            System.out.printf("    ratio: open %.2fx nbformat's read, save %.2fx nbformat's write%n",
                    ms(p50(open)) / py[0], ms(p50(save)) / py[1]);
        } finally {
            try (Stream<Path> walk = Files.walk(home)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** {@code cells} code cells; every tenth shows a 250 KB PNG, each has a stream and a result: about 5 MB. */
    static ObjectNode notebook(int cells) {
        Random random = new Random(15);
        ObjectNode nb = Json.MAPPER.createObjectNode();
        nb.put("nbformat", 4);
        nb.put("nbformat_minor", 5);
        nb.putObject("metadata").putObject("kernelspec").put("name", "python3").put("display_name", "Python 3")
                .put("language", "python");
        ArrayNode list = nb.putArray("cells");
        for (int i = 0; i < cells; i++) {
            ObjectNode c = list.addObject();
            c.put("id", "cell-" + i);
            c.put("cell_type", "code");
            c.put("source", "import numpy as np\nx = np.arange(" + i + ")\nprint(x)\nx.sum()");
            c.putObject("metadata");
            c.put("execution_count", i + 1);
            ArrayNode outputs = c.putArray("outputs");
            outputs.addObject().put("output_type", "stream").put("name", "stdout")
                    .put("text", ("line " + i + " " + "x".repeat(60) + "\n").repeat(10));
            ObjectNode result = outputs.addObject().put("output_type", "execute_result").put("execution_count", i + 1);
            result.putObject("data").put("text/plain", Integer.toString(i * (i - 1) / 2));
            result.putObject("metadata");
            if (i % 10 == 0) {
                byte[] png = new byte[180_000];
                random.nextBytes(png);
                ObjectNode display = outputs.addObject().put("output_type", "display_data");
                display.putObject("data").put("image/png", Base64.getMimeEncoder().encodeToString(png) + "\n")
                        .put("text/plain", "<Figure size 640x480 with 1 Axes>");
                display.putObject("metadata");
            }
        }
        return nb;
    }

    /** nbformat's read and write of {@code file}, p50 in ms over {@code runs} (after one not counted). */
    private static double[] python(Path file, int runs) throws Exception {
        String script = String.join("\n",
                "import sys, time, nbformat, statistics",
                "src, runs = sys.argv[1], int(sys.argv[2])",
                "reads, writes = [], []",
                "for i in range(runs + 1):",
                "    t0 = time.perf_counter(); nb = nbformat.read(src, as_version=4); t1 = time.perf_counter()",
                "    nbformat.write(nb, src + '.py-out'); t2 = time.perf_counter()",
                "    if i: reads.append((t1 - t0) * 1000); writes.append((t2 - t1) * 1000)",
                "print(statistics.median(reads), statistics.median(writes))");
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script, file.toString(), Integer.toString(runs))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("python failed");
        }
        String[] f = out.split(" ");
        return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])};
    }

    private static long p50(long[] values) {
        long[] s = values.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
