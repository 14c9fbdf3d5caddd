package io.runtimed.sync.notebook;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.Replicas;
import io.runtimed.sync.SyncMessageException;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import org.automerge.AmValue;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.SyncState;
import org.automerge.Transaction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A window's patched snapshot is, after every receive, exactly the snapshot read whole: for seeded
 * random edits of a daemon's document (outputs and counts above all, and everything else a peer
 * may do, concurrent edits with conflicts among them).
 */
class NotebookSnapshotsTest {
    Replicas replicas;
    NativeHandles.Counts before;
    Document daemon;
    DocumentOwner window;
    SyncState daemonState;
    SyncState windowState;
    NotebookSnapshots snapshots;
    int receives;

    @BeforeEach
    void start() {
        before = NativeHandles.counts();
        replicas = new Replicas();
        daemon = replicas.track(NotebookDoc.createFresh("nb"));
        window = new DocumentOwner("window", NativeHandles.newDocument());
        daemonState = replicas.track(NativeHandles.newSyncState());
        windowState = replicas.track(NativeHandles.newSyncState());
        snapshots = new NotebookSnapshots();
    }

    @AfterEach
    void freeEverything() {
        window.close();
        replicas.close();
        assertThat(NativeHandles.counts().minus(before).liveDocuments()).as("documents not freed").isZero();
    }

    void edit(Document doc, Consumer<Transaction> change) {
        try (Transaction tx = doc.startTransaction()) {
            change.accept(tx);
            tx.commit();
        }
    }

    /** The daemon's changes reach the window; after each receive that changed it, both snapshots compare. */
    void sync() throws SyncMessageException {
        for (int round = 0; round < 20; round++) {
            Optional<byte[]> toWindow = daemon.generateSyncMessage(daemonState);
            if (toWindow.isPresent()) {
                DocumentOwner.Received received = window.receiveWithPatches(windowState, toWindow.get());
                if (received != null) {
                    receives++;
                    NotebookSnapshot patched = window.read(doc -> snapshots.afterReceive(doc, window.version(), received));
                    assertThat(patched).isEqualTo(window.read(NotebookDoc::snapshot));
                }
            }
            Optional<byte[]> toDaemon = window.generate(windowState);
            toDaemon.ifPresent(m -> daemon.receiveSyncMessage(daemonState, m));
            if (toWindow.isEmpty() && toDaemon.isEmpty()) {
                return;
            }
        }
        throw new AssertionError("sync did not settle");
    }

    List<NotebookCell> cells() {
        return NotebookDoc.cells(daemon);
    }

    @Test
    void aKernelsRunsArePatchedWithoutReadingTheDocument() throws Exception {
        edit(daemon, tx -> {
            for (int i = 0; i < 20; i++) {
                NotebookDoc.addCell(tx, i, "c" + i, "code", false);
            }
        });
        sync();
        long whole = snapshots.wholeReads();
        for (int run = 0; run < 50; run++) {
            int n = run;
            String id = "c" + (run % 20);
            edit(daemon, tx -> {
                NotebookDoc.setExecutionCount(tx, id, Integer.toString(n));
                NotebookDoc.setOutputs(tx, id, List.of("out " + n));
            });
            sync();
            edit(daemon, tx -> NotebookDoc.appendOutput(tx, id, "more " + n));
            sync();
            edit(daemon, tx -> NotebookDoc.replaceOutput(tx, id, 0, "first " + n));
            sync();
        }
        assertThat(receives).isGreaterThanOrEqualTo(150);
        assertThat(snapshots.wholeReads() - whole).as("snapshots read whole").isZero();
    }

    @Test
    void aSmallNotebookIsReadWholeALargeOnePatched() throws Exception {
        assertThat(snapshots.worthPatching()).as("nothing read yet").isFalse();
        edit(daemon, tx -> NotebookDoc.addCell(tx, 0, "c0", "code", false));
        sync();
        assertThat(snapshots.worthPatching()).as("one cell").isFalse();
        edit(daemon, tx -> {
            for (int i = 1; i < NotebookSnapshots.PATCH_MIN_CELLS; i++) {
                NotebookDoc.addCell(tx, i, "c" + i, "code", false);
            }
        });
        sync();
        assertThat(snapshots.worthPatching()).as(NotebookSnapshots.PATCH_MIN_CELLS + " cells").isTrue();
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void seededEditsOfEveryKindLeaveThePatchedSnapshotEqualToTheWholeOne(long seed) throws Exception {
        Random random = new Random(seed);
        edit(daemon, tx -> {
            for (int i = 0; i < 6; i++) {
                NotebookDoc.addCell(tx, i, "c" + i, "code", false);
            }
        });
        sync();
        int next = 6;
        for (int step = 0; step < 300; step++) {
            List<NotebookCell> cells = cells();
            int op = random.nextInt(100);
            int i = cells.isEmpty() ? 0 : random.nextInt(cells.size());
            String id = cells.isEmpty() ? null : cells.get(i).id();
            String value = "v" + step;
            if (id == null || op < 3) {
                String newId = "c" + next++;
                edit(daemon, tx -> NotebookDoc.addCell(tx, cells.isEmpty() ? 0 : i, newId, "code", false));
            } else if (op < 35) {
                edit(daemon, tx -> NotebookDoc.setExecutionCount(tx, id, value));
            } else if (op < 50) {
                edit(daemon, tx -> {
                    NotebookDoc.setExecutionCount(tx, id, value);
                    NotebookDoc.setOutputs(tx, id, random.nextBoolean() ? List.of(value) : List.of(value, value + "b"));
                });
            } else if (op < 62) {
                edit(daemon, tx -> NotebookDoc.appendOutput(tx, id, value));
            } else if (op < 72) {
                int size = cells.get(i).outputs().size();
                if (size > 0) {
                    edit(daemon, tx -> NotebookDoc.replaceOutput(tx, id, random.nextInt(size), value));
                }
            } else if (op < 78) {
                int size = cells.get(i).outputs().size();
                if (size > 0) {
                    int at = random.nextInt(size);
                    edit(daemon, tx -> NotebookDoc.outputsList(tx, NotebookDoc.cellObject(tx, id).orElseThrow())
                            .ifPresent(list -> tx.delete(list, at)));
                }
            } else if (op < 82) {
                edit(daemon, tx -> NotebookDoc.spliceSource(tx, id, 0, 0, "x"));
            } else if (op < 84) {
                edit(daemon, tx -> NotebookDoc.deleteCell(tx, id));
            } else if (op < 86) {
                edit(daemon, tx -> NotebookDoc.setMetadata(tx, "k" + random.nextInt(3), value));
            } else if (op < 88) {
                edit(daemon, tx -> NotebookDoc.setCellMetadata(tx, id, "tag", value));
            } else if (op < 89) {
                // an output that is not a Str, and a count that is not one: left out of the snapshot
                edit(daemon, tx -> NotebookDoc.outputsList(tx, NotebookDoc.cellObject(tx, id).orElseThrow())
                        .ifPresent(list -> tx.insert(list, 0, ObjectType.MAP)));
            } else if (op < 90) {
                edit(daemon, tx -> tx.set(NotebookDoc.cellObject(tx, id).orElseThrow(), NotebookDoc.EXECUTION_COUNT, 7.0));
            } else if (op < 91) {
                edit(daemon, tx -> tx.delete(NotebookDoc.cellObject(tx, id).orElseThrow(), NotebookDoc.OUTPUTS));
            } else if (op < 92) {
                edit(daemon, tx -> tx.set(NotebookDoc.cellObject(tx, id).orElseThrow(), "nested", ObjectType.MAP));
            } else if (op < 93) {
                edit(daemon, tx -> tx.set(NotebookDoc.cellObject(tx, id).orElseThrow(), NotebookDoc.CELL_TYPE, "markdown"));
            } else {
                // two writers at once: conflicting counts and outputs, merged
                Document other = replicas.track(NativeHandles.load(daemon.save()));
                edit(other, tx -> {
                    NotebookDoc.setExecutionCount(tx, id, value + "-other");
                    NotebookDoc.setOutputs(tx, id, List.of(value + "-other"));
                });
                edit(daemon, tx -> {
                    NotebookDoc.setExecutionCount(tx, id, value + "-mine");
                    NotebookDoc.appendOutput(tx, id, value + "-mine");
                });
                daemon.merge(other);
            }
            sync();
        }
        assertThat(receives).as("receives that changed the window").isGreaterThan(250);
        assertThat(snapshots.wholeReads()).as("snapshots read whole").isLessThan(receives);
    }
}
