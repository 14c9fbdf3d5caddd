package io.runtimed.sync.notebook;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.Replicas;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.automerge.Document;
import org.automerge.Read;
import org.automerge.Transaction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CellLocatorTest {
    Replicas replicas;
    NativeHandles.Counts before;
    Document doc;

    @BeforeEach
    void start() {
        before = NativeHandles.counts();
        replicas = new Replicas();
        doc = replicas.track(NotebookDoc.createFresh("nb"));
    }

    @AfterEach
    void freeEverything() {
        replicas.close();
        assertThat(NativeHandles.counts().minus(before).liveDocuments()).as("documents not freed").isZero();
    }

    void edit(Consumer<Transaction> change) {
        try (Transaction tx = doc.startTransaction()) {
            change.accept(tx);
            tx.commit();
        }
    }

    /** Twenty code cells, c0 to c19: their ids, to which {@link #windowEdit} adds. */
    List<String> twentyCells() {
        List<String> ids = new ArrayList<>();
        edit(tx -> {
            for (int i = 0; i < 20; i++) {
                NotebookDoc.addCell(tx, i, "c" + i, "code", false);
                ids.add("c" + i);
            }
        });
        return ids;
    }

    /** A window's seeded edit: {@code op} 0 inserts a cell, 1 deletes one, 2 moves one (a new Map), 3 edits a source. */
    void windowEdit(int op, Random random, List<String> ids) {
        String some = ids.get(random.nextInt(ids.size()));
        int at = random.nextInt(25);
        if (op == 0) {
            String id = "c" + (100 + ids.size());
            ids.add(id);
            edit(tx -> NotebookDoc.addCell(tx, at, id, "code", false));
        } else if (op == 1) {
            edit(tx -> NotebookDoc.deleteCell(tx, some));
        } else if (op == 2) {
            edit(tx -> NotebookDoc.moveCell(tx, some, at));
        } else {
            edit(tx -> NotebookDoc.updateSource(tx, some, "x = " + at));
        }
    }

    /** Seeded random inserts, deletes, moves (a move makes a new Map) and edits: it always agrees with the walk. */
    @Test
    void findsWhatTheWalkFindsThroughInsertsDeletesAndMoves() {
        Random random = new Random(20261207);
        List<String> ids = twentyCells();
        CellLocator locator = new CellLocator();
        for (int step = 0; step < 200; step++) {
            windowEdit(random.nextInt(4), random, ids);
            String probe = ids.get(random.nextInt(ids.size()));
            if (step % 2 == 0) {
                assertThat(locator.find(doc, probe)).as("step %d, %s", step, probe).isEqualTo(NotebookDoc.cellObject(doc, probe));
            } else {
                // inside a transaction, as the daemon's output writes look
                int s = step;
                edit(tx -> assertThat(locator.find(tx, probe)).as("step %d, %s", s, probe)
                        .isEqualTo(NotebookDoc.cellObject(tx, probe)));
            }
            for (String id : step % 5 == 0 ? ids : List.<String>of()) {
                assertThat(locator.find(doc, id)).as("step %d, %s", step, id).isEqualTo(NotebookDoc.cellObject(doc, id));
            }
        }
    }

    @Test
    void aCellFoundBeforeCostsThreeReadsWhateverTheNotebooksSize() {
        addCells(200);
        AtomicInteger reads = new AtomicInteger();
        Read counted = counting(doc, reads);
        CellLocator locator = new CellLocator();

        assertThat(locator.find(counted, "c150")).isEqualTo(NotebookDoc.cellObject(doc, "c150"));
        assertThat(reads.get()).as("the first look walks the cells").isGreaterThan(150);
        reads.set(0);
        assertThat(locator.find(counted, "c150")).isEqualTo(NotebookDoc.cellObject(doc, "c150"));
        assertThat(reads.get()).as("found again").isLessThanOrEqualTo(3);
        reads.set(0);
        assertThat(locator.find(counted, "c99")).isEqualTo(NotebookDoc.cellObject(doc, "c99"));
        assertThat(reads.get()).as("a cell the walk passed").isLessThanOrEqualTo(3);
        assertThat(locator.find(counted, "missing")).isEmpty();
    }

    /**
     * With structure versions (each window edit one more, an output edit none, as
     * {@code DocumentOwner} counts them): the same seeded edits, with outputs written between them
     * through the locator, as the daemon's output writer does. A locator that trusted a place across
     * a window's edit fails this.
     */
    @Test
    void withStructureVersionsItStillAgreesWithTheWalk() {
        Random random = new Random(20261208);
        List<String> ids = twentyCells();
        long[] version = {1};
        CellLocator locator = new CellLocator();
        for (int step = 0; step < 300; step++) {
            int op = random.nextInt(6);
            if (op < 3) {
                windowEdit(op, random, ids);
                version[0]++;
            } else {
                // the output writer's own change: found through the locator, moving no structure
                String target = ids.get(random.nextInt(ids.size()));
                long now = version[0];
                String count = String.valueOf(random.nextInt(1000));
                edit(tx -> locator.find(tx, target, now).ifPresent(cell -> {
                    assertThat(Optional.of(cell)).isEqualTo(NotebookDoc.cellObject(tx, target));
                    NotebookDoc.setExecutionCount(tx, cell, count);
                }));
            }
            String probe = ids.get(random.nextInt(ids.size()));
            assertThat(locator.find(doc, probe, version[0])).as("step %d, %s", step, probe)
                    .isEqualTo(NotebookDoc.cellObject(doc, probe));
        }
    }

    @Test
    void atTheSameStructureVersionAPlaceCostsNoRead() {
        addCells(50);
        AtomicInteger reads = new AtomicInteger();
        Read counted = counting(doc, reads);
        CellLocator locator = new CellLocator();

        assertThat(locator.find(counted, "c40", 7)).isEqualTo(NotebookDoc.cellObject(doc, "c40"));
        reads.set(0);
        assertThat(locator.find(counted, "c40", 7)).isEqualTo(NotebookDoc.cellObject(doc, "c40"));
        assertThat(locator.find(counted, "c12", 7)).as("passed by the walk at this version")
                .isEqualTo(NotebookDoc.cellObject(doc, "c12"));
        assertThat(reads.get()).as("same version").isZero();

        edit(tx -> NotebookDoc.setOutputs(tx, "c40", List.of("o1"))); // outputs only: still version 7
        assertThat(locator.find(counted, "c40", 7)).isEqualTo(NotebookDoc.cellObject(doc, "c40"));
        assertThat(reads.get()).as("outputs changed, the structure did not").isZero();

        assertThat(locator.find(counted, "c40", 9)).isEqualTo(NotebookDoc.cellObject(doc, "c40"));
        assertThat(reads.get()).as("another version checks again").isBetween(1, 3);

        reads.set(0);
        assertThat(locator.find(counted, "c40")).isEqualTo(NotebookDoc.cellObject(doc, "c40"));
        assertThat(reads.get()).as("without a version it always checks").isBetween(1, 3);
    }

    /** Cells c0 … c(n-1), in order. */
    void addCells(int n) {
        edit(tx -> {
            for (int i = 0; i < n; i++) {
                NotebookDoc.addCell(tx, i, "c" + i, "code", false);
            }
        });
    }

    /** {@code doc} seen through a {@link Read} that counts the calls made on it. */
    static Read counting(Read doc, AtomicInteger calls) {
        return (Read) Proxy.newProxyInstance(Read.class.getClassLoader(), new Class<?>[] {Read.class}, (proxy, method, args) -> {
            calls.incrementAndGet();
            try {
                return method.invoke(doc, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }
}
