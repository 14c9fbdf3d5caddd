package io.runtimed.sync.notebook;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.Replicas;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
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

    /** Seeded random inserts, deletes, moves (a move makes a new Map) and edits: it always agrees with the walk. */
    @Test
    void findsWhatTheWalkFindsThroughInsertsDeletesAndMoves() {
        Random random = new Random(20261207);
        List<String> ids = new ArrayList<>();
        edit(tx -> {
            for (int i = 0; i < 20; i++) {
                NotebookDoc.addCell(tx, i, "c" + i, "code", false);
                ids.add("c" + i);
            }
        });
        int next = 20;
        CellLocator locator = new CellLocator();
        for (int step = 0; step < 200; step++) {
            int op = random.nextInt(4);
            String some = ids.get(random.nextInt(ids.size()));
            int at = random.nextInt(25);
            if (op == 0) {
                String id = "c" + next++;
                ids.add(id);
                edit(tx -> NotebookDoc.addCell(tx, at, id, "code", false));
            } else if (op == 1) {
                edit(tx -> NotebookDoc.deleteCell(tx, some));
            } else if (op == 2) {
                edit(tx -> NotebookDoc.moveCell(tx, some, at));
            } else {
                edit(tx -> NotebookDoc.updateSource(tx, some, "x = " + at));
            }
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
        edit(tx -> {
            for (int i = 0; i < 200; i++) {
                NotebookDoc.addCell(tx, i, "c" + i, "code", false);
            }
        });
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

    /** {@code doc} seen through a {@link Read} that counts the calls made on it. */
    static Read counting(Document doc, AtomicInteger calls) {
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
