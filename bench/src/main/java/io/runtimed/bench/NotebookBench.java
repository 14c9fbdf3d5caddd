package io.runtimed.bench;

import io.runtimed.client.NotebookClient;
import io.runtimed.daemon.Daemon;
import io.runtimed.daemon.DaemonConfig;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.NotebookDocFiles;
import io.runtimed.paths.RuntPaths;
import io.runtimed.rooms.DocumentStore;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.notebook.NotebookDoc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.automerge.Document;

/**
 * Notebook room figures (issue 6): edit propagation A → daemon → B with 2 and with 50 peers in
 * the room, and bytes written to disk per single-character edit on a 500-cell notebook, the
 * incremental store against a full save per edit (the reference's way), in the same run.
 * Figures, never assertions. Arguments: [edits per propagation figure] [edits for the disk figure].
 */
public final class NotebookBench {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private NotebookBench() {
    }

    public static void main(String[] args) throws Exception {
        int edits = args.length > 0 ? Integer.parseInt(args[0]) : 2_000;
        int diskEdits = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        System.out.printf("runtimed notebook bench: %d edits per propagation figure, %d edits on disk, %d cores%n",
                edits, diskEdits, Runtime.getRuntime().availableProcessors());
        Path home = Files.createTempDirectory("rtnbbench");
        try {
            DaemonConfig config = DaemonConfig.builder(new RuntPaths(BaseDirs.under(home))).poolSizes(0, 0)
                    .maxEnvAge(Duration.ofHours(1)).build();
            try (Daemon daemon = Daemon.start(config)) {
                propagation(config.socket(), 2, edits);
                propagation(config.socket(), 50, edits);
            }
            diskBytes(home.resolve("disk"), 500, 200, diskEdits);
        } finally {
            try (Stream<Path> walk = Files.walk(home)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** A types one character at a time; the time until B's replica shows it. */
    private static void propagation(Path socket, int peers, int edits) throws Exception {
        String id = "bench-" + peers;
        List<NotebookClient> others = new ArrayList<>();
        try (NotebookClient a = NotebookClient.join(socket, id, Duration.ofSeconds(2), Duration.ZERO);
             NotebookClient b = NotebookClient.join(socket, id, Duration.ofSeconds(2), Duration.ZERO)) {
            for (int i = 2; i < peers; i++) {
                others.add(NotebookClient.join(socket, id, Duration.ofSeconds(2), Duration.ZERO));
            }
            a.addCell(0, "c", "code");
            b.waitFor(s -> s.cell("c").isPresent(), WAIT).orElseThrow();
            int warm = Math.max(200, edits / 5);
            long[] nanos = new long[edits];
            int length = 0;
            for (int i = 0; i < warm + edits; i++) {
                int want = ++length;
                long t0 = System.nanoTime();
                a.spliceSource("c", want - 1, 0, i % 2 == 0 ? "é" : "🌍");
                b.waitFor(s -> s.cell("c").map(c -> c.source().codePointCount(0, c.source().length()) == want)
                        .orElse(false), WAIT).orElseThrow(() -> new IllegalStateException("edit never arrived"));
                if (i >= warm) {
                    nanos[i - warm] = System.nanoTime() - t0;
                }
            }
            Arrays.sort(nanos);
            System.out.printf("edit propagation A -> daemon -> B, %2d peers: p50 %.3f ms, p99 %.3f ms (%d edits)%n",
                    peers, nanos[edits / 2] / 1e6, nanos[(int) (edits * 0.99)] / 1e6, edits);
        } finally {
            others.forEach(NotebookClient::close);
        }
    }

    /**
     * One single-character edit at a time on a notebook of {@code cells} cells of {@code chars}
     * characters: the incremental store's bytes (append + fsync, compaction included) against the
     * size of a full save after every edit.
     */
    private static void diskBytes(Path dir, int cells, int chars, int edits) throws IOException {
        Files.createDirectories(dir);
        Path file = NotebookDocFiles.fileFor(dir, "big");
        Document doc = NotebookDoc.createFresh("big");
        // seeded pseudo-code text, different in every cell (repeated text would compress unrealistically well)
        java.util.Random random = new java.util.Random(6);
        String alphabet = "abcdefghijklmnopqrstuvwxyz_ =()[]:.,0123456789\né";
        try (org.automerge.Transaction tx = doc.startTransaction()) {
            for (int i = 0; i < cells; i++) {
                StringBuilder source = new StringBuilder(chars);
                for (int k = 0; k < chars; k++) {
                    source.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                NotebookDoc.addCell(tx, i, "cell-" + i, "code", false);
                NotebookDoc.updateSource(tx, "cell-" + i, source.toString());
            }
            tx.commit();
        }
        Files.write(file, doc.save());
        DocumentOwner owner = new DocumentOwner("bench", doc);
        DocumentStore store = new DocumentStore(file, owner, owner.withDocument(Document::getHeads), Files.size(file),
                DocumentStore.Compaction.DEFAULT, "bench");
        try {
            long fullBytes = 0;
            long fullNanos = 0;
            long oursNanos = 0;
            for (int i = 0; i < edits; i++) {
                String cell = "cell-" + (i * 7 % cells);
                int at = i % chars;
                long t0 = System.nanoTime();
                owner.change(tx -> NotebookDoc.spliceSource(tx, cell, at, 0, "y"));
                if (!store.flush(WAIT)) {
                    throw new IOException("store did not persist");
                }
                long t1 = System.nanoTime();
                byte[] full = owner.withDocument(Document::save);
                fullBytes += full.length;
                long t2 = System.nanoTime();
                oursNanos += t1 - t0;
                fullNanos += t2 - t1;
            }
            double ours = (double) store.bytesWritten() / edits;
            double full = (double) fullBytes / edits;
            System.out.printf("disk per 1-char edit, %d cells x %d chars (full save %d bytes):%n", cells, chars,
                    fullBytes / edits);
            System.out.printf("  incremental (append + fsync): %.1f bytes/edit, %.3f ms/edit incl. fsync%n", ours,
                    oursNanos / 1e6 / edits);
            System.out.printf("  full save per edit (reference): %.0f bytes/edit, %.3f ms/edit for save() alone%n", full,
                    fullNanos / 1e6 / edits);
            System.out.printf("  ratio: %.0fx fewer bytes%n", full / ours);
        } finally {
            store.close();
            owner.close();
        }
        System.out.printf("native documents still live in this process: %d%n", NativeHandles.counts().liveDocuments());
    }
}
