package io.runtimed.sync.notebook;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.sync.DocumentOwner;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link CellCodes}: what {@link NotebookDoc#code} says, read again only after a change of structure. */
class CellCodesTest {
    final DocumentOwner owner = new DocumentOwner("test", NotebookDoc.createFresh("nb"));
    final CellCodes codes = new CellCodes();
    final AtomicInteger reads = new AtomicInteger();

    @AfterEach
    void free() {
        owner.close();
    }

    Optional<NotebookDoc.CellCode> code(String id) {
        return owner.read(d -> {
            Optional<NotebookDoc.CellCode> cached = codes.code(CellLocatorTest.counting(d, reads), id, owner.structureVersion());
            assertThat(cached).as("as the whole read says").isEqualTo(NotebookDoc.code(d, id));
            return cached;
        });
    }

    @Test
    void outputChangesKeepWhatWasReadAndEveryOtherChangeReadsAgain() {
        owner.change(tx -> {
            NotebookDoc.addCell(tx, 0, "a", "code", false);
            NotebookDoc.addCell(tx, 1, "b", "code", false);
            NotebookDoc.updateSource(tx, "a", "x = 1");
        });
        assertThat(code("a")).contains(new NotebookDoc.CellCode("code", "x = 1"));
        int first = reads.get();
        assertThat(first).isPositive();
        assertThat(code("a")).contains(new NotebookDoc.CellCode("code", "x = 1"));
        assertThat(reads.get()).as("nothing changed: no read").isEqualTo(first);

        owner.changeOutputsOnly(tx -> {
            NotebookDoc.setOutputs(tx, "a", List.of("o1"));
            NotebookDoc.setExecutionCount(tx, "a", "1");
        });
        assertThat(code("a")).contains(new NotebookDoc.CellCode("code", "x = 1"));
        assertThat(reads.get()).as("outputs only: no read").isEqualTo(first);

        owner.changeEventually(tx -> NotebookDoc.updateSource(tx, "a", "x = 2"));
        assertThat(code("a")).contains(new NotebookDoc.CellCode("code", "x = 2"));
        assertThat(reads.get()).isGreaterThan(first);

        int second = reads.get();
        owner.change(tx -> NotebookDoc.addCell(tx, 0, "a", "markdown", false));
        assertThat(code("a")).as("a cell before it with the same id: the first wins")
                .contains(new NotebookDoc.CellCode("markdown", ""));
        assertThat(reads.get()).isGreaterThan(second);
        assertThat(code("nope")).isEmpty();
    }

    @Test
    void anOutputsOnlyChangeMovesTheVersionButNotTheStructureVersion() {
        long[] before = owner.read(d -> new long[] {owner.version(), owner.structureVersion()});
        owner.changeOutputsOnly(tx -> NotebookDoc.addCell(tx, 0, "a", "code", false));
        long[] after = owner.read(d -> new long[] {owner.version(), owner.structureVersion()});
        // (the caller vouches: this one lies, to show what each counter counts)
        assertThat(after[0]).isEqualTo(before[0] + 1);
        assertThat(after[1]).isEqualTo(before[1]);
        owner.change(tx -> NotebookDoc.updateSource(tx, "a", "y"));
        long[] last = owner.read(d -> new long[] {owner.version(), owner.structureVersion()});
        assertThat(last).containsExactly(after[0] + 1, after[1] + 1);
    }
}
