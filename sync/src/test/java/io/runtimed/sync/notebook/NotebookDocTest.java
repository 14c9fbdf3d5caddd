package io.runtimed.sync.notebook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.Replicas;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.automerge.AmValue;
import org.automerge.Document;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.Transaction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** NOTEBOOK.md §1-§3 and TESTS.md "Notebook document (unit)". */
class NotebookDocTest {
    Replicas replicas;
    NativeHandles.Counts before;

    @BeforeEach
    void start() {
        before = NativeHandles.counts();
        replicas = new Replicas();
    }

    @AfterEach
    void freeEverything() {
        replicas.close();
        assertThat(NativeHandles.counts().minus(before).liveDocuments()).as("documents not freed").isZero();
    }

    Document fresh(String id) {
        return replicas.track(NotebookDoc.createFresh(id));
    }

    static void edit(Document doc, Consumer<Transaction> change) {
        try (Transaction tx = doc.startTransaction()) {
            change.accept(tx);
            tx.commit();
        }
    }

    @Nested
    class FreshDocument {
        @Test
        void hasTheIdNoCellsAndThePythonRuntime() {
            Document doc = fresh("nb-1");
            NotebookSnapshot s = NotebookDoc.snapshot(doc);
            assertThat(s.notebookId()).isEqualTo("nb-1");
            assertThat(s.cells()).isEmpty();
            assertThat(s.metadata()).containsEntry("runtime", "python");
        }

        @Test
        void usesTheSpecsAutomergeTypes() {
            Document doc = fresh("nb");
            edit(doc, tx -> NotebookDoc.addCell(tx, 0, "c1", "code", false));
            assertThat(doc.get(ObjectId.ROOT, "cells").get()).isInstanceOf(AmValue.List.class);
            assertThat(doc.get(ObjectId.ROOT, "metadata").get()).isInstanceOf(AmValue.Map.class);
            ObjectId cells = ((AmValue.List) doc.get(ObjectId.ROOT, "cells").get()).getId();
            ObjectId cell = ((AmValue.Map) doc.get(cells, 0).get()).getId();
            assertThat(doc.get(cell, "source").get()).as("source MUST be Text").isInstanceOf(AmValue.Text.class);
            assertThat(doc.get(cell, "execution_count").get()).as("count MUST be Str").isInstanceOf(AmValue.Str.class);
            assertThat(doc.get(cell, "outputs").get()).isInstanceOf(AmValue.List.class);
        }
    }

    @Nested
    class Cells {
        @Test
        void addCellHasEmptySourceNullCountNoOutputsAndItsType() {
            Document doc = fresh("nb");
            edit(doc, tx -> NotebookDoc.addCell(tx, 0, "c1", "markdown", false));
            assertThat(NotebookDoc.cell(doc, "c1")).contains(new NotebookCell("c1", "markdown", "", "null", List.of()));
        }

        @Test
        void insertsInTheMiddleAndClampsAnIndexBeyondTheEnd() {
            Document doc = fresh("nb");
            edit(doc, tx -> {
                NotebookDoc.addCell(tx, 0, "a", "code", false);
                NotebookDoc.addCell(tx, 1, "c", "code", false);
                NotebookDoc.addCell(tx, 1, "b", "code", false);
                assertThat(NotebookDoc.addCell(tx, 99, "d", "code", false)).isEqualTo(3);
            });
            assertThat(NotebookDoc.cells(doc)).extracting(NotebookCell::id).containsExactly("a", "b", "c", "d");
        }

        @Test
        void daemonSideAddFailsWithoutCellsButTheClientCreatesThem() {
            Document empty = replicas.empty();
            assertThatThrownBy(() -> edit(empty, tx -> NotebookDoc.addCell(tx, 0, "x", "code", false)))
                    .isInstanceOf(IllegalStateException.class);
            edit(empty, tx -> NotebookDoc.addCell(tx, 0, "x", "code", true));
            assertThat(NotebookDoc.cells(empty)).extracting(NotebookCell::id).containsExactly("x");
        }

        @Test
        void deleteRemovesTheRightCellAndAnUnknownIdReturnsFalse() {
            Document doc = fresh("nb");
            edit(doc, tx -> {
                NotebookDoc.addCell(tx, 0, "a", "code", false);
                NotebookDoc.addCell(tx, 1, "b", "code", false);
                NotebookDoc.addCell(tx, 2, "c", "code", false);
                assertThat(NotebookDoc.deleteCell(tx, "b")).isTrue();
                assertThat(NotebookDoc.deleteCell(tx, "zz")).isFalse();
            });
            assertThat(NotebookDoc.cells(doc)).extracting(NotebookCell::id).containsExactly("a", "c");
        }

        @Test
        void moveKeepsEverythingOfTheCell() {
            Document doc = fresh("nb");
            edit(doc, tx -> {
                NotebookDoc.addCell(tx, 0, "a", "code", false);
                NotebookDoc.addCell(tx, 1, "b", "code", false);
                NotebookDoc.addCell(tx, 2, "c", "code", false);
                NotebookDoc.updateSource(tx, "a", "x = 1 🌍");
                NotebookDoc.setExecutionCount(tx, "a", "3");
                NotebookDoc.setOutputs(tx, "a", List.of("o1"));
                NotebookDoc.setCellMetadata(tx, "a", "collapsed", "true");
                assertThat(NotebookDoc.moveCell(tx, "a", 2)).isTrue();
                assertThat(NotebookDoc.moveCell(tx, "nope", 0)).isFalse();
            });
            assertThat(NotebookDoc.cells(doc)).extracting(NotebookCell::id).containsExactly("b", "c", "a");
            assertThat(NotebookDoc.cell(doc, "a")).contains(new NotebookCell("a", "code", "x = 1 🌍", "3", List.of("o1")));
            assertThat(NotebookDoc.getCellMetadata(doc, "a", "collapsed")).contains("true");
        }

        @Test
        void lookupFindsTheFirstCellWithTheId() {
            Document doc = fresh("nb");
            edit(doc, tx -> {
                NotebookDoc.addCell(tx, 0, "dup", "code", false);
                NotebookDoc.addCell(tx, 1, "dup", "markdown", false);
            });
            assertThat(NotebookDoc.cell(doc, "dup").get().cellType()).isEqualTo("code");
        }

        /** What execute_cell reads: the first cell with the id, its type and source, as the whole read gives them. */
        @Test
        void theCodeOfACellIsTheFirstMatchsTypeAndSource() {
            Document doc = fresh("nb");
            edit(doc, tx -> {
                NotebookDoc.addCell(tx, 0, "m", "markdown", false);
                NotebookDoc.addCell(tx, 1, "dup", "code", false);
                NotebookDoc.addCell(tx, 2, "dup", "markdown", false);
                NotebookDoc.addCell(tx, 3, "empty", "code", false);
                NotebookDoc.updateSource(tx, "dup", "print('é 🌍')");
                NotebookDoc.updateSource(tx, "m", "# title");
                NotebookDoc.setOutputs(tx, "dup", List.of("o1"));
            });
            assertThat(NotebookDoc.code(doc, "dup")).contains(new NotebookDoc.CellCode("code", "print('é 🌍')"));
            assertThat(NotebookDoc.code(doc, "m")).contains(new NotebookDoc.CellCode("markdown", "# title"));
            assertThat(NotebookDoc.code(doc, "empty")).contains(new NotebookDoc.CellCode("code", ""));
            assertThat(NotebookDoc.code(doc, "nope")).isEmpty();
            for (String id : List.of("m", "dup", "empty")) {
                NotebookCell whole = NotebookDoc.cell(doc, id).orElseThrow();
                assertThat(NotebookDoc.code(doc, id)).contains(new NotebookDoc.CellCode(whole.cellType(), whole.source()));
            }
        }
    }

    @Nested
    class Sources {
        @Test
        void updatesTwiceThenToEmptyAndAnUnknownIdIsReported() {
            Document doc = fresh("nb");
            edit(doc, tx -> NotebookDoc.addCell(tx, 0, "c", "code", false));
            edit(doc, tx -> NotebookDoc.updateSource(tx, "c", "x = 1"));
            edit(doc, tx -> NotebookDoc.updateSource(tx, "c", "x = 42"));
            assertThat(NotebookDoc.cell(doc, "c").get().source()).isEqualTo("x = 42");
            edit(doc, tx -> NotebookDoc.updateSource(tx, "c", ""));
            assertThat(NotebookDoc.cell(doc, "c").get().source()).isEmpty();
            edit(doc, tx -> assertThat(NotebookDoc.updateSource(tx, "zz", "y"))
                    .isEqualTo(NotebookDoc.SourceUpdate.CELL_NOT_FOUND));
        }

        @Test
        void aSourceThatIsNotTextIsReported() {
            Document doc = fresh("nb");
            edit(doc, tx -> {
                NotebookDoc.addCell(tx, 0, "c", "code", false);
                ObjectId cells = ((AmValue.List) tx.get(ObjectId.ROOT, "cells").get()).getId();
                tx.set(((AmValue.Map) tx.get(cells, 0).get()).getId(), "source", "plain str");
                assertThat(NotebookDoc.updateSource(tx, "c", "y")).isEqualTo(NotebookDoc.SourceUpdate.SOURCE_NOT_TEXT);
            });
        }

        @Test
        void aMiddleEditIsOneSmallSpliceInCodePoints() {
            assertThat(TextDiff.between("héllo 🌍 世界", "héllo 🌍! 世界")).isEqualTo(new TextDiff(7, 0, "!"));
            assertThat(TextDiff.between("a🌍b", "a🌏b")).isEqualTo(new TextDiff(1, 1, "🌏"));
            assertThat(TextDiff.between("abc", "abc")).isNull();
            assertThat(TextDiff.between("e\u0301", "e\u0301\u0301")).isEqualTo(new TextDiff(2, 0, "\u0301"));
        }

        @Test
        void randomEditsOfNonAsciiTextAlwaysProduceTheTarget() {
            Random random = new Random(42);
            String[] alphabet = {"a", "b", " ", "é", "e\u0301", "🌍", "👩‍💻", "世", "界", "\n"};
            Document doc = fresh("nb");
            edit(doc, tx -> NotebookDoc.addCell(tx, 0, "c", "code", false));
            for (int i = 0; i < 200; i++) {
                String current = NotebookDoc.cell(doc, "c").get().source();
                StringBuilder next = new StringBuilder(current);
                int cut = current.isEmpty() ? 0 : current.offsetByCodePoints(0, random.nextInt(current.codePointCount(0, current.length()) + 1));
                next.insert(cut, alphabet[random.nextInt(alphabet.length)]);
                if (random.nextBoolean() && next.length() > 4) {
                    int from = next.offsetByCodePoints(0, random.nextInt(next.codePointCount(0, next.length()) - 1));
                    next.delete(from, next.offsetByCodePoints(from, 1));
                }
                String target = next.toString();
                edit(doc, tx -> NotebookDoc.updateSource(tx, "c", target));
                assertThat(NotebookDoc.cell(doc, "c").get().source()).isEqualTo(target);
            }
        }

        @Test
        void concurrentEditsOfOneSourceMergeCharacterByCharacter() {
            Document a = fresh("nb");
            edit(a, tx -> NotebookDoc.addCell(tx, 0, "c", "code", false));
            edit(a, tx -> NotebookDoc.updateSource(tx, "c", "héllo 世界"));
            Document b = replicas.empty();
            replicas.sync(a, b);
            edit(a, tx -> NotebookDoc.updateSource(tx, "c", "🌍 héllo 世界"));
            edit(b, tx -> NotebookDoc.updateSource(tx, "c", "héllo 世界 e\u0301!"));
            replicas.sync(a, b);
            assertThat(NotebookDoc.cell(a, "c").get().source()).isEqualTo("🌍 héllo 世界 e\u0301!");
            assertThat(NotebookDoc.cell(b, "c").get().source()).isEqualTo("🌍 héllo 世界 e\u0301!");
        }
    }

    @Nested
    class OutputsCountsAndMetadata {
        @Test
        void setOutputsStoresTheListVerbatimAppendAppendsAndClearEmpties() {
            Document doc = fresh("nb");
            edit(doc, tx -> NotebookDoc.addCell(tx, 0, "c", "code", false));
            String out = "{\"output_type\":\"stream\",\"name\":\"stdout\",\"text\":\"hi\\n\"}";
            edit(doc, tx -> NotebookDoc.setOutputs(tx, "c", List.of(out, "two")));
            assertThat(NotebookDoc.cell(doc, "c").get().outputs()).containsExactly(out, "two");
            edit(doc, tx -> NotebookDoc.appendOutput(tx, "c", "three"));
            assertThat(NotebookDoc.cell(doc, "c").get().outputs()).containsExactly(out, "two", "three");
            edit(doc, tx -> NotebookDoc.clearOutputs(tx, "c"));
            assertThat(NotebookDoc.cell(doc, "c").get().outputs()).isEmpty();
        }

        @Test
        void replaceOutputPutsAtTheIndexAndRefusesOutOfRange() {
            Document doc = fresh("nb");
            edit(doc, tx -> NotebookDoc.addCell(tx, 0, "c", "code", false));
            edit(doc, tx -> {
                NotebookDoc.appendOutput(tx, "c", "one");
                NotebookDoc.appendOutput(tx, "c", "two");
            });
            edit(doc, tx -> assertThat(NotebookDoc.replaceOutput(tx, "c", 1, "TWO")).isTrue());
            edit(doc, tx -> assertThat(NotebookDoc.replaceOutput(tx, "c", 2, "three")).isFalse());
            edit(doc, tx -> assertThat(NotebookDoc.replaceOutput(tx, "c", -1, "x")).isFalse());
            edit(doc, tx -> assertThat(NotebookDoc.replaceOutput(tx, "missing", 0, "x")).isFalse());
            assertThat(NotebookDoc.outputs(doc, "c")).contains(List.of("one", "TWO"));
        }

        @Test
        void outputsAreEmptyForAMissingCellAndKeepNonStrPositions() {
            Document doc = fresh("nb");
            edit(doc, tx -> NotebookDoc.addCell(tx, 0, "c", "code", false));
            assertThat(NotebookDoc.outputs(doc, "missing")).isEmpty();
            assertThat(NotebookDoc.outputs(doc, "c")).contains(List.of());
            ObjectId cells = ((AmValue.List) doc.get(ObjectId.ROOT, "cells").get()).getId();
            ObjectId cell = ((AmValue.Map) doc.get(cells, 0).get()).getId();
            ObjectId outputs = ((AmValue.List) doc.get(cell, "outputs").get()).getId();
            edit(doc, tx -> {
                tx.insert(outputs, 0, 5);
                tx.insert(outputs, 1, "s");
            });
            assertThat(NotebookDoc.outputs(doc, "c").get()).containsExactly(null, "s");
        }

        @Test
        void outputsByCellReadsEveryCellInOrderAndTheFirstOfAnId() {
            Document doc = fresh("nb");
            edit(doc, tx -> {
                NotebookDoc.addCell(tx, 0, "a", "code", false);
                NotebookDoc.addCell(tx, 1, "b", "markdown", false);
                NotebookDoc.addCell(tx, 2, "a", "code", false);
                NotebookDoc.appendOutput(tx, "a", "x");
            });
            assertThat(NotebookDoc.outputsByCell(doc)).containsExactly(
                    java.util.Map.entry("a", List.of("x")), java.util.Map.entry("b", List.of()));
        }

        @Test
        void executionCountIsSetThenResetToNull() {
            Document doc = fresh("nb");
            edit(doc, tx -> NotebookDoc.addCell(tx, 0, "c", "code", false));
            edit(doc, tx -> NotebookDoc.setExecutionCount(tx, "c", "42"));
            assertThat(NotebookDoc.cell(doc, "c").get().executionCount()).isEqualTo("42");
            edit(doc, tx -> NotebookDoc.setExecutionCount(tx, "c", "null"));
            assertThat(NotebookDoc.cell(doc, "c").get().executionCount()).isEqualTo("null");
        }

        @Test
        void metadataHasTheDefaultRuntimeCanBeOverwrittenAndTakesCustomKeys() {
            Document doc = fresh("nb");
            assertThat(NotebookDoc.getMetadata(doc, "runtime")).contains("python");
            edit(doc, tx -> NotebookDoc.setMetadata(tx, "runtime", "deno"));
            edit(doc, tx -> NotebookDoc.setMetadata(tx, "kernel", "k1"));
            assertThat(NotebookDoc.metadata(doc)).containsEntry("runtime", "deno").containsEntry("kernel", "k1");
            assertThat(NotebookDoc.getMetadata(doc, "missing")).isEmpty();
        }
    }

    @Nested
    class ReadingAndSync {
        @Test
        void saveAndLoadKeepsEverything() throws Exception {
            Document doc = fresh("nb");
            edit(doc, tx -> {
                NotebookDoc.addCell(tx, 0, "a", "code", false);
                NotebookDoc.addCell(tx, 1, "b", "markdown", false);
                NotebookDoc.updateSource(tx, "a", "print('hi')");
                NotebookDoc.updateSource(tx, "b", "# 标题");
                NotebookDoc.setExecutionCount(tx, "a", "1");
                NotebookDoc.setOutputs(tx, "a", List.of("out"));
            });
            Document loaded = replicas.track(NativeHandles.load(doc.save()));
            assertThat(NotebookDoc.snapshot(loaded)).isEqualTo(NotebookDoc.snapshot(doc));
        }

        @Test
        void serverToEmptyClientSyncDeliversCellSourceCountAndOutput() {
            Document server = fresh("nb");
            edit(server, tx -> {
                NotebookDoc.addCell(tx, 0, "a", "code", false);
                NotebookDoc.updateSource(tx, "a", "x");
                NotebookDoc.setExecutionCount(tx, "a", "7");
                NotebookDoc.appendOutput(tx, "a", "o");
            });
            Document client = replicas.empty();
            replicas.sync(server, client);
            assertThat(NotebookDoc.cell(client, "a")).contains(new NotebookCell("a", "code", "x", "7", List.of("o")));
        }

        @Test
        void concurrentCellInsertsMergeToTheSameOrderOnBothReplicas() {
            Document a = fresh("nb");
            Document b = replicas.empty();
            replicas.sync(a, b);
            edit(a, tx -> NotebookDoc.addCell(tx, 0, "from-a", "code", false));
            edit(b, tx -> NotebookDoc.addCell(tx, 0, "from-b", "code", false));
            replicas.sync(a, b);
            assertThat(NotebookDoc.cells(a)).hasSize(2).isEqualTo(NotebookDoc.cells(b));
        }

        @Test
        void readingSkipsMalformedElementsAndReadsAnEmptyDocAsNoCells() {
            assertThat(NotebookDoc.cells(replicas.empty())).isEmpty();
            Document manual = replicas.empty();
            edit(manual, tx -> {
                ObjectId cells = tx.set(ObjectId.ROOT, "cells", ObjectType.LIST);
                tx.insert(cells, 0, "not a map");
                tx.insert(cells, 1, ObjectType.MAP);
                ObjectId ok = tx.insert(cells, 2, ObjectType.MAP);
                tx.set(ok, "id", "ok");
            });
            assertThat(NotebookDoc.cells(manual)).containsExactly(new NotebookCell("ok", "", "", "null", List.of()));
        }

        @Test
        void keysOfAnotherTypeReadAsTheirDefaultsAndOnlyStrKeysAreCellMetadata() {
            Document manual = replicas.empty();
            edit(manual, tx -> {
                tx.set(ObjectId.ROOT, "notebook_id", 7);
                ObjectId meta = tx.set(ObjectId.ROOT, "metadata", ObjectType.MAP);
                tx.set(meta, "runtime", "python");
                tx.set(meta, "count", 3);
                ObjectId cells = tx.set(ObjectId.ROOT, "cells", ObjectType.LIST);
                ObjectId odd = tx.insert(cells, 0, ObjectType.MAP);
                tx.set(odd, "id", "odd");
                tx.set(odd, "cell_type", 1);
                tx.set(odd, "source", "a Str, not Text");
                tx.set(odd, "execution_count", 5);
                tx.set(odd, "outputs", ObjectType.MAP);
                tx.set(odd, "tag", "kept");
                tx.set(odd, "weight", 2.5);
                ObjectId good = tx.insert(cells, 1, ObjectType.MAP);
                tx.set(good, "id", "good");
                tx.set(good, "cell_type", "markdown");
                ObjectId text = tx.set(good, "source", ObjectType.TEXT);
                tx.spliceText(text, 0, 0, "# hi");
                tx.set(good, "execution_count", "2");
                ObjectId outputs = tx.set(good, "outputs", ObjectType.LIST);
                tx.insert(outputs, 0, "o1");
                tx.insert(outputs, 1, 9);
            });
            NotebookSnapshot s = NotebookDoc.snapshot(manual);
            assertThat(s.notebookId()).isEmpty();
            assertThat(s.metadata()).containsExactly(java.util.Map.entry("runtime", "python"));
            assertThat(s.cells()).containsExactly(new NotebookCell("odd", "", "", "null", List.of()),
                    new NotebookCell("good", "markdown", "# hi", "2", List.of("o1")));
            assertThat(NotebookDoc.cellsWithKeys(manual)).extracting(NotebookDoc.CellWithKeys::keys)
                    .containsExactly(java.util.Map.of("tag", "kept"), java.util.Map.of());
            assertThat(NotebookDoc.cell(manual, "good")).contains(s.cells().get(1));
        }

        @Test
        void jsonHasTheSpecsCellShape() {
            NotebookSnapshot s = new NotebookSnapshot("nb", List.of(new NotebookCell("cell-1", "code", "x = 42", "1",
                    List.of("{\"output_type\":\"stream\",\"name\":\"stdout\",\"text\":\"hi\\n\"}"))), java.util.Map.of("runtime", "python"));
            assertThat(NotebookDoc.toJson(s).toString()).isEqualTo("{\"notebook_id\":\"nb\",\"cells\":[{\"id\":\"cell-1\","
                    + "\"cell_type\":\"code\",\"source\":\"x = 42\",\"execution_count\":\"1\",\"outputs\":[\"{\\\"output_type\\\":"
                    + "\\\"stream\\\",\\\"name\\\":\\\"stdout\\\",\\\"text\\\":\\\"hi\\\\n\\\"}\"]}],\"metadata\":{\"runtime\":\"python\"}}");
        }
    }
}
