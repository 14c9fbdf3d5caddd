package io.runtimed.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.runtimed.blob.BlobStore;
import io.runtimed.client.PoolClient;
import io.runtimed.daemon.Daemon;
import io.runtimed.daemon.DaemonConfig;
import io.runtimed.outputs.ManifestResolver;
import io.runtimed.outputs.OutputBlobs;
import io.runtimed.paths.BaseDirs;
import io.runtimed.paths.RuntPaths;
import io.runtimed.pool.PoolOptions;
import io.runtimed.sync.notebook.NotebookDoc;
import io.runtimed.testkit.RawSyncPeer;
import io.runtimed.testkit.SystemPackages;
import io.runtimed.tools.StandIns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pool of running kernels (beyond the original), in a real daemon with real ipykernel kernels
 * in venvs the stand-in uv builds: a launch takes a kernel that already runs, moved to the
 * notebook's directory and with the settings' modules imported; the pool refills; a pooled kernel
 * that dies is replaced; no two notebooks ever get the same kernel.
 */
class KernelPoolWithTheStandInUvTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    Daemon daemon;
    Path socket;
    ManifestResolver manifests;

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private KernelPool start(int kernels, List<String> preimports) throws Exception {
        SystemPackages.requireIpykernelAndIpywidgets();
        Path uv = new StandIns(tmp.resolve("tools")).uv();
        DaemonConfig.Builder b = DaemonConfig.builder(new RuntPaths(BaseDirs.under(tmp.resolve("home"))))
                .poolSizes(2, 0)
                .pool(new PoolOptions(uv, null, Path.of(StandIns.PYTHON), true, null, null, 2, Duration.ofSeconds(1),
                        Duration.ofSeconds(5)));
        b.kernels(b.kernels().withPoolSize(kernels).withPreimports(preimports).withKeepAlive(Duration.ZERO));
        DaemonConfig config = b.build();
        socket = config.socket();
        daemon = Daemon.start(config);
        manifests = new ManifestResolver(new OutputBlobs(new BlobStore(config.blobDir())));
        KernelPool pool = daemon.kernels().pool().orElseThrow();
        await().atMost(WAIT).until(() -> pool.ready() == kernels);
        return pool;
    }

    /** Launches in a new room, runs {@code code} in a cell, returns its text/plain result. */
    private String launchAndRun(String notebookId, String code) throws Exception {
        try (RawSyncPeer peer = RawSyncPeer.connectTypedNotebook(socket, notebookId, notebookId)) {
            peer.request("{\"action\":\"launch_kernel\",\"kernel_type\":\"auto\",\"env_source\":\"auto\",\"notebook_path\":null}");
            assertThat(peer.awaitResponses(1, WAIT).get(0)).startsWith("{\"result\":\"kernel_launched\"");
            // edit the daemon's document, never a cells list of our own (it would lose to the daemon's)
            assertThat(peer.await(d -> NotebookDoc.notebookId(d).isPresent(), WAIT)).isTrue();
            peer.change(tx -> {
                NotebookDoc.addCell(tx, 0, "c", "code", false);
                NotebookDoc.updateSource(tx, "c", code);
            });
            await().atMost(WAIT).until(() -> daemon.notebooks().snapshot(notebookId)
                    .map(s -> !s.cells().isEmpty()).orElse(false));
            peer.request("{\"action\":\"execute_cell\",\"cell_id\":\"c\"}");
            assertThat(peer.await(d -> NotebookDoc.cell(d, "c").map(c -> c.outputs().size() == 1).orElse(false), WAIT))
                    .isTrue();
            String entry = peer.read(d -> NotebookDoc.cell(d, "c").orElseThrow().outputs().get(0));
            return manifests.resolve(entry).path("data").path("text/plain").asText();
        }
    }

    @Test
    void aLaunchTakesARunningKernelInTheNotebooksDirectoryWithItsImportsAndThePoolRefills() throws Exception {
        KernelPool pool = start(1, List.of("json", "not a module; import os"));
        long pooled = pool.readyPids().get(0);
        Path project = Files.createDirectories(tmp.resolve("project"));
        String result = launchAndRun(project.resolve("a.ipynb").toString(),
                "import os, sys; (os.getpid(), os.getcwd(), 'json' in sys.modules)");
        assertThat(result).isEqualTo("(" + pooled + ", '" + project + "', True)");
        await().atMost(WAIT).until(() -> pool.ready() == 1);
        assertThat(pool.readyPids().get(0)).as("a fresh kernel, not the one handed out").isNotEqualTo(pooled);
    }

    @Test
    void twoNotebooksNeverShareAKernelAndAPooledKernelThatDiesIsReplaced() throws Exception {
        KernelPool pool = start(1, List.of());
        long first = pool.readyPids().get(0);
        ProcessHandle.of(first).orElseThrow().destroyForcibly();
        await().atMost(WAIT).until(() -> pool.ready() == 1 && pool.readyPids().get(0) != first);
        String a = launchAndRun("nb-a", "import os; os.getpid()");
        await().atMost(WAIT).until(() -> pool.ready() == 1);
        String b = launchAndRun("nb-b", "import os; os.getpid()");
        assertThat(a).isNotEqualTo(b).isNotEqualTo(Long.toString(first));
    }
}
