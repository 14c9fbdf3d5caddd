package io.runtimed.outputs;

import static io.runtimed.outputs.Msgs.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.blob.BlobStore;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.NotebookBroadcast;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.notebook.NotebookDoc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * KERNELS.md §7: the pipeline end to end, on a real blob store in a temp dir and a real Automerge
 * document, fed kernel messages as an ipykernel sends them.
 */
class OutputRouterTest {
    static final String RUN1 = "execute-request-1";
    static final String RUN2 = "execute-request-2";

    @TempDir
    Path dir;
    DocumentOwner doc;
    BlobStore store;
    OutputBlobs blobs;
    ManifestResolver resolver;
    ScheduledExecutorService scheduler;
    OutputRouter router;
    final List<NotebookBroadcast> broadcasts = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger documentChanges = new AtomicInteger();

    @BeforeEach
    void start() {
        doc = new DocumentOwner("test notebook", NotebookDoc.createFresh("nb"));
        doc.change(tx -> {
            NotebookDoc.addCell(tx, 0, "c1", "code", false);
            NotebookDoc.addCell(tx, 1, "c2", "code", false);
            NotebookDoc.setExecutionCount(tx, "c1", "3");
        });
        store = new BlobStore(dir.resolve("blobs"));
        blobs = new OutputBlobs(store);
        resolver = new ManifestResolver(blobs);
        scheduler = OutputRouter.newFlushScheduler();
        router = new OutputRouter(doc, blobs, documentChanges::incrementAndGet, broadcasts::add, scheduler);
    }

    @AfterEach
    void stop() {
        router.close();
        scheduler.shutdownNow();
        doc.close();
    }

    List<String> outputs(String cell) {
        return doc.read(r -> NotebookDoc.outputs(r, cell).orElseThrow());
    }

    List<ObjectNode> resolved(String cell) throws UnresolvableOutputException {
        List<ObjectNode> out = new ArrayList<>();
        for (String ref : outputs(cell)) {
            out.add(resolver.resolve(ref));
        }
        return out;
    }

    List<String> texts(String cell) throws UnresolvableOutputException {
        return resolved(cell).stream().map(o -> o.path("text").asText()).toList();
    }

    <T extends NotebookBroadcast> List<T> sent(Class<T> type) {
        synchronized (broadcasts) {
            return broadcasts.stream().filter(type::isInstance).map(type::cast).toList();
        }
    }

    static String wire(NotebookBroadcast b) {
        return new String(Json.compact(b), StandardCharsets.UTF_8);
    }

    void out(String cell, String parent, String text) {
        router.onIopub(Msgs.stream(parent, "stdout", text), cell);
    }

    void err(String cell, String parent, String text) {
        router.onIopub(Msgs.stream(parent, "stderr", text), cell);
    }

    @Nested
    class Streams {
        @Test
        void aProgressBarEndsAsOneLine() throws Exception {
            for (int i = 0; i <= 100; i++) {
                out("c1", RUN1, "\rprogress " + i + "%");
            }
            out("c1", RUN1, "\n");
            router.finishCell("c1");
            assertThat(texts("c1")).containsExactly("progress 100%\n");
        }

        @Test
        void theTrailingNewlineIsKeptAndALongLineIsNotWrapped() throws Exception {
            String line = "w".repeat(5000);
            out("c1", RUN1, line + "\n");
            router.finishCell("c1");
            assertThat(texts("c1")).containsExactly(line + "\n");
        }

        @Test
        void consecutiveChunksCoalesceIntoOneOutputAndEachWriteIsBroadcastAsStored() throws Exception {
            out("c1", RUN1, "a\n");
            out("c1", RUN1, "b\n");
            out("c1", RUN1, "c\n");
            router.finishCell("c1");
            assertThat(texts("c1")).containsExactly("a\nb\nc\n");
            List<NotebookBroadcast.Output> sent = sent(NotebookBroadcast.Output.class);
            assertThat(sent).isNotEmpty().allSatisfy(o -> {
                assertThat(o.cellId()).isEqualTo("c1");
                assertThat(o.outputType()).isEqualTo("stream");
            });
            assertThat(sent.get(sent.size() - 1).outputJson()).isEqualTo(outputs("c1").get(0));
        }

        @Test
        void theFirstChunkIsWrittenAtOnceAndLaterOnesWithinTheFlushInterval() throws Exception {
            out("c1", RUN1, "first\n");
            assertThat(texts("c1")).containsExactly("first\n");
            out("c1", RUN1, "second\n");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(
                    () -> assertThat(texts("c1")).containsExactly("first\nsecond\n"));
        }

        /**
         * The router remembers where it wrote (the cell's Map, its outputs List and their size) while
         * nothing else changes the document; a window's edit between two writes must end that.
         */
        @Test
        void aWindowsClearOrMoveBetweenTwoWritesIsSeenByTheNextWrite() throws Exception {
            out("c1", RUN1, "first\n");
            assertThat(texts("c1")).containsExactly("first\n");
            doc.change(tx -> NotebookDoc.setOutputs(tx, "c1", List.of())); // a window clears
            out("c1", RUN1, "second\n");
            router.finishCell("c1");
            assertThat(texts("c1")).as("written into the window's new List").containsExactly("first\nsecond\n");

            out("c2", RUN2, "one\n");
            doc.change(tx -> NotebookDoc.moveCell(tx, "c2", 0)); // a move makes a new Map
            out("c2", RUN2, "two\n");
            router.finishCell("c2");
            assertThat(texts("c2")).as("written into the moved cell").containsExactly("one\ntwo\n");
        }

        @Test
        void interleavedStdoutAndStderrMakeNewOutputsWithoutRepeatingText() throws Exception {
            out("c1", RUN1, "a\n");
            out("c1", RUN1, "b\n");
            err("c1", RUN1, "E1\n");
            out("c1", RUN1, "c\n");
            err("c1", RUN1, "E2\n");
            err("c1", RUN1, "E3\n");
            out("c1", RUN1, "d\n");
            router.finishCell("c1");
            assertThat(resolved("c1")).extracting(o -> o.path("name").asText() + ":" + o.path("text").asText())
                    .containsExactly("stdout:a\nb\n", "stderr:E1\n", "stdout:c\n", "stderr:E2\nE3\n", "stdout:d\n");
        }

        @Test
        void aDisplayEndsTheStreamSoTheNextChunkIsANewOutput() throws Exception {
            out("c1", RUN1, "before\n");
            router.onIopub(Msgs.display(RUN1, "{\"text/plain\":\"shown\"}", "{}", null), "c1");
            out("c1", RUN1, "after\n");
            router.finishCell("c1");
            assertThat(resolved("c1")).extracting(o -> o.path("output_type").asText())
                    .containsExactly("stream", "display_data", "stream");
            assertThat(texts("c1")).containsExactly("before\n", "", "after\n");
        }

        @Test
        void outputsWithoutACellAreDropped() {
            out(null, "unknown-parent", "lost\n");
            router.onIopub(Msgs.display("unknown-parent", "{\"text/plain\":\"x\"}", "{}", null), null);
            assertThat(outputs("c1")).isEmpty();
            assertThat(sent(NotebookBroadcast.Output.class)).isEmpty();
        }

        @Test
        void aHundredThousandLinesMakeOneExactOutputWithinTwiceItsSizeOnDisk() throws Exception {
            StringBuilder expected = new StringBuilder();
            long started = System.nanoTime();
            for (int i = 0; i < 100_000; i++) {
                String line = i + "\n";
                expected.append(line);
                out("c1", RUN1, line);
            }
            router.finishCell("c1");
            long elapsedMs = (System.nanoTime() - started) / 1_000_000;
            assertThat(outputs("c1")).hasSize(1);
            String text = texts("c1").get(0);
            assertThat(text).isEqualTo(expected.toString());
            long textBytes = text.getBytes(StandardCharsets.UTF_8).length;
            long written = blobs.bytesWritten();
            long onDisk = blobFileBytes();
            System.out.printf("100,000 lines: %d text bytes, %d blob bytes written (%.2fx), %d on disk after, %d ms%n",
                    textBytes, written, (double) written / textBytes, onDisk, elapsedMs);
            assertThat(written).as("blob bytes written for %d bytes of text", textBytes).isLessThanOrEqualTo(2 * textBytes);
            assertThat(onDisk).as("superseded intermediate blobs are deleted").isLessThan(textBytes + 4096);
        }

        /** The default router replaced by one whose flush policy reads {@code clock} (nanoseconds). */
        void useClock(AtomicLong clock) {
            router.close();
            router = new OutputRouter(doc, blobs, documentChanges::incrementAndGet, broadcasts::add, scheduler, clock::get);
        }

        static String chunk(int chars, char c) {
            return (String.valueOf(c).repeat(99) + "\n").repeat(chars / 100);
        }

        @Test
        void fastOutputInIpykernelSizedChunksIsWrittenAtItsFirstChunkAndItsEndOnly() throws Exception {
            AtomicLong clock = new AtomicLong(1_000_000_000L);
            useClock(clock);
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                // ipykernel flushes what it buffered every 0.2 s; each chunk takes the text past a size
                // fixed milestones would write at
                String c = chunk(120_000, (char) ('a' + i));
                all.append(c);
                out("c1", RUN1, c);
                if (i == 0) {
                    assertThat(texts("c1")).containsExactly(c);
                }
                clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(200));
            }
            assertThat(texts("c1")).as("nothing written between the first chunk and the end").containsExactly(chunk(120_000, 'a'));
            router.finishCell("c1");
            assertThat(texts("c1")).containsExactly(all.toString());
            assertThat(blobs.bytesWritten()).as("the first chunk's blob and the final one, and their manifests")
                    .isBetween(720_000L, 730_000L);
        }

        @Test
        void aGrowingOutputIsWrittenAgainOnceFourTimesLargerAndASecondOnOrAfterFiveSecondsWithoutThat() throws Exception {
            AtomicLong clock = new AtomicLong(1_000_000_000L);
            useClock(clock);
            String first = chunk(50_000, 'a');
            out("c1", RUN1, first);
            clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(1200));
            String grown = first + chunk(150_000, 'b');
            out("c1", RUN1, chunk(150_000, 'b'));
            assertThat(texts("c1")).as("four times the first write, 1.2 s after it").containsExactly(grown);

            clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(4900));
            out("c1", RUN1, chunk(100, 'c'));
            assertThat(texts("c1")).as("grown less than fourfold, 4.9 s after the last write").containsExactly(grown);
            clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(200));
            out("c1", RUN1, chunk(100, 'd'));
            assertThat(texts("c1")).as("5.1 s after the last write").containsExactly(grown + chunk(100, 'c') + chunk(100, 'd'));
            router.finishCell("c1");
            assertThat(outputs("c1")).hasSize(1);
            store.commitDeferred();
            assertThat(blobFileBytes()).as("only the final version's blobs stay")
                    .isBetween((long) texts("c1").get(0).length(), texts("c1").get(0).length() + 4096L);
        }

        @Test
        void textBeyondOneMebibyteIsCutWithANote() throws Exception {
            String line = "z".repeat(1023) + "\n";
            for (int i = 0; i < 1100; i++) {
                out("c1", RUN1, line);
            }
            router.finishCell("c1");
            String text = texts("c1").get(0);
            assertThat(text).endsWith(StreamTerminal.TRUNCATION_NOTE).hasSize((1 << 20) + StreamTerminal.TRUNCATION_NOTE.length());
        }

        @Test
        void requestThreadsMayCallWhileTheIopubThreadStreams() throws Exception {
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 20_000; i++) {
                expected.append(i).append('\n');
            }
            Thread iopub = new Thread(() -> {
                for (int i = 0; i < 20_000; i++) {
                    out("c1", RUN1, i + "\n");
                }
                router.finishCell("c1");
            }, "iopub-test");
            iopub.start();
            while (iopub.isAlive()) {
                router.clearOutputs("c2");
                router.comms();
                router.clientMessage(json("{\"header\":{\"msg_type\":\"comm_msg\"},\"content\":{\"comm_id\":\"x\","
                        + "\"data\":{\"method\":\"update\",\"state\":{}}}}"));
            }
            iopub.join();
            assertThat(texts("c1")).containsExactly(expected.toString());
            assertThat(outputs("c2")).isEmpty();
        }

        long blobFileBytes() throws IOException {
            try (Stream<Path> files = Files.walk(store.root())) {
                return files.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".meta"))
                        .mapToLong(p -> p.toFile().length()).sum();
            }
        }
    }

    @Nested
    class ClearOutput {
        @Test
        void withoutWaitClearsAtOnceAndTellsThePeers() {
            out("c1", RUN1, "old\n");
            router.onIopub(Msgs.clearOutput(RUN1, false), "c1");
            assertThat(outputs("c1")).isEmpty();
            assertThat(sent(NotebookBroadcast.OutputsCleared.class)).extracting(NotebookBroadcast.OutputsCleared::cellId)
                    .containsExactly("c1");
            out("c1", RUN1, "new\n");
            router.finishCell("c1");
            assertThat(outputs("c1")).hasSize(1);
        }

        @Test
        void aWaitingClearLoopOfFiftyIterationsLeavesExactlyOneOutput() throws Exception {
            for (int i = 0; i < 50; i++) {
                router.onIopub(Msgs.clearOutput(RUN1, true), "c1");
                out("c1", RUN1, "frame " + i + "\n");
            }
            router.finishCell("c1");
            assertThat(texts("c1")).containsExactly("frame 49\n");
        }

        @Test
        void aWaitingClearLoopOfDisplaysLeavesTheLastOne() throws Exception {
            for (int i = 0; i < 50; i++) {
                router.onIopub(Msgs.clearOutput(RUN1, true), "c1");
                router.onIopub(Msgs.display(RUN1, "{\"text/plain\":\"" + i + "\"}", "{}", null), "c1");
            }
            router.finishCell("c1");
            assertThat(resolved("c1")).extracting(o -> o.path("data").path("text/plain").asText()).containsExactly("49");
        }

        @Test
        void aWaitingClearThatNoOutputFollowsLeavesTheOutputs() throws Exception {
            out("c1", RUN1, "kept\n");
            router.onIopub(Msgs.clearOutput(RUN1, true), "c1");
            router.finishCell("c1");
            assertThat(texts("c1")).containsExactly("kept\n");
            out("c1", RUN1, "late\n");
            router.finishCell("c1");
            assertThat(texts("c1")).as("the dropped clear does not hit a later output").hasSize(2);
        }
    }

    @Nested
    class DisplayUpdates {
        @Test
        void anUpdateReplacesEveryOutputWithTheIdInEveryCell() throws Exception {
            router.onIopub(Msgs.display(RUN1, "{\"text/plain\":\"0%\"}", "{}", "bar"), "c1");
            router.onIopub(Msgs.display(RUN1, "{\"text/plain\":\"other\"}", "{}", "other"), "c1");
            router.finishCell("c1");
            router.onIopub(Msgs.display(RUN2, "{\"text/plain\":\"0%\"}", "{}", "bar"), "c2");
            router.finishCell("c2");
            router.onIopub(Msgs.updateDisplay(RUN2, "{\"text/plain\":\"100%\"}", "{\"k\":1}", "bar"), "c2");

            for (String cell : List.of("c1", "c2")) {
                ObjectNode first = resolved(cell).get(0);
                assertThat(first.path("data").path("text/plain").asText()).as(cell).isEqualTo("100%");
                assertThat(first.path("metadata")).isEqualTo(json("{\"k\":1}"));
                assertThat(first.path("transient")).isEqualTo(json("{\"display_id\":\"bar\"}"));
            }
            assertThat(resolved("c1").get(1).path("data").path("text/plain").asText()).isEqualTo("other");
            assertThat(sent(NotebookBroadcast.DisplayUpdate.class)).extracting(OutputRouterTest::wire).containsExactly(
                    "{\"event\":\"display_update\",\"display_id\":\"bar\",\"data\":{\"text/plain\":\"100%\"},\"metadata\":{\"k\":1}}");
        }

        @Test
        void anExecuteResultKeepsItsCountAndOutputsTheRouterDidNotWriteAreFound() throws Exception {
            ObjectNode result = NbformatOutputs.fromIopub(Msgs.executeResult(RUN1, 7, "{\"text/plain\":\"a\"}")).orElseThrow();
            result.putObject("transient").put("display_id", "d");
            String manifest = OutputManifest.store(result, blobs.session(false));
            String raw = "{\"output_type\":\"display_data\",\"data\":{\"text/plain\":\"b\"},\"metadata\":{},"
                    + "\"transient\":{\"display_id\":\"d\"}}";
            doc.change(tx -> {
                NotebookDoc.appendOutput(tx, "c1", manifest);
                NotebookDoc.appendOutput(tx, "c2", raw);
            });
            router.onIopub(Msgs.updateDisplay(RUN1, "{\"text/plain\":\"new\"}", "{}", "d"), null);

            ObjectNode updated = resolved("c1").get(0);
            assertThat(updated.path("output_type").asText()).isEqualTo("execute_result");
            assertThat(updated.path("execution_count").asInt()).isEqualTo(7);
            assertThat(updated.path("data").path("text/plain").asText()).isEqualTo("new");
            assertThat(outputs("c2").get(0)).as("a raw entry stays raw JSON").isEqualTo(
                    "{\"output_type\":\"display_data\",\"data\":{\"text/plain\":\"new\"},\"metadata\":{},"
                            + "\"transient\":{\"display_id\":\"d\"}}");
            assertThat(router.manifestsReadForDisplayUpdates()).isEqualTo(1);
            router.onIopub(Msgs.updateDisplay(RUN1, "{\"text/plain\":\"newer\"}", "{}", "d"), null);
            assertThat(resolved("c1").get(0).path("data").path("text/plain").asText()).isEqualTo("newer");
            assertThat(router.manifestsReadForDisplayUpdates()).as("a foreign manifest is read once").isEqualTo(1);
        }

        @Test
        void theRoutersOwnOutputsAreNotReadBackFromTheStore() {
            router.onIopub(Msgs.display(RUN1, "{\"text/plain\":\"x\"}", "{}", "d"), "c1");
            out("c1", RUN1, "text\n");
            router.finishCell("c1");
            router.onIopub(Msgs.updateDisplay(RUN1, "{\"text/plain\":\"y\"}", "{}", "d"), "c1");
            router.onIopub(Msgs.updateDisplay(RUN1, "{\"text/plain\":\"z\"}", "{}", "d"), "c1");
            assertThat(router.manifestsReadForDisplayUpdates()).isZero();
        }

        @Test
        void anUpdateThatMatchesNothingIsStillBroadcast() {
            router.onIopub(Msgs.updateDisplay(RUN1, "{\"text/plain\":\"y\"}", "{}", "nowhere"), null);
            assertThat(sent(NotebookBroadcast.DisplayUpdate.class)).hasSize(1);
            assertThat(documentChanges).hasValue(0);
        }

    }

    @Nested
    class ErrorsPagesAndRequests {
        /** A cell with an old run's output is sent again, and its new run's execute_input gives {@code count}. */
        private void startedAgain(String cell, long count) {
            out(cell, RUN1, "old run\n");
            router.finishCell(cell);
            router.cellStarted(cell);
            router.executionCount(cell, count);
        }

        private String count(String cell) {
            return doc.read(r -> NotebookDoc.cell(r, cell)).orElseThrow().executionCount();
        }

        @Test
        void anErrorIsAnOutputWithItsTraceback() throws Exception {
            out("c1", RUN1, "partial\n");
            router.onIopub(Msgs.error(RUN1, "ZeroDivisionError", "division by zero", "Traceback", "ZeroDivisionError"), "c1");
            router.finishCell("c1");
            ObjectNode error = resolved("c1").get(1);
            assertThat(error).isEqualTo(json("{\"output_type\":\"error\",\"ename\":\"ZeroDivisionError\","
                    + "\"evalue\":\"division by zero\",\"traceback\":[\"Traceback\",\"ZeroDivisionError\"]}"));
            assertThat(sent(NotebookBroadcast.Output.class)).extracting(NotebookBroadcast.Output::outputType)
                    .containsExactly("stream", "error");
        }

        @Test
        void pagePayloadsOfAnExecuteReplyAreDisplayOutputs() throws Exception {
            var reply = Msgs.message("execute_reply", RUN1, json("{\"status\":\"ok\",\"execution_count\":1,\"payload\":["
                    + "{\"source\":\"page\",\"data\":{\"text/plain\":\"Docstring\"},\"start\":0},"
                    + "{\"source\":\"set_next_input\",\"text\":\"x\"}]}"));
            router.onExecuteReply("c1", reply);
            assertThat(resolved("c1")).containsExactly(json(
                    "{\"output_type\":\"display_data\",\"data\":{\"text/plain\":\"Docstring\"},\"metadata\":{}}"));
        }

        @Test
        void clearOutputsEmptiesOutputsResetsTheCountAndIsBroadcastEvenForAnUnknownCell() {
            out("c1", RUN1, "x\n");
            router.clearOutputs("c1");
            router.clearOutputs("nope");
            assertThat(outputs("c1")).isEmpty();
            assertThat(count("c1")).isEqualTo("null");
            assertThat(sent(NotebookBroadcast.OutputsCleared.class)).extracting(OutputRouterTest::wire).containsExactly(
                    "{\"event\":\"outputs_cleared\",\"cell_id\":\"c1\"}", "{\"event\":\"outputs_cleared\",\"cell_id\":\"nope\"}");
            out("c1", RUN1, "y\n");
            router.finishCell("c1");
            assertThat(outputs("c1")).hasSize(1);
        }

        int savedBytes() {
            byte[] saved = doc.withDocument(org.automerge.Document::save);
            return saved.length;
        }

        /** A window that clears a clear cell again and again (or a loop of requests) must not grow the document. */
        @Test
        void clearingAClearCellChangesNothingButIsStillBroadcast() {
            router.clearOutputs("c2");
            int changes = documentChanges.get();
            int bytes = savedBytes();
            for (int i = 0; i < 50; i++) {
                router.clearOutputs("c2");
            }
            assertThat(documentChanges.get()).as("no change told").isEqualTo(changes);
            assertThat(savedBytes()).isEqualTo(bytes);
            assertThat(sent(NotebookBroadcast.OutputsCleared.class)).hasSize(51);
            assertThat(outputs("c2")).isEmpty();
            assertThat(count("c2")).isEqualTo("null");
        }

        @Test
        void aStartedCellLosesItsOutputsButKeepsItsCount() throws Exception {
            out("c1", RUN1, "old run\n");
            router.finishCell("c1");
            router.cellStarted("c1");
            await().atMost(Duration.ofSeconds(5)).until(() -> outputs("c1").isEmpty());
            assertThat(count("c1")).isEqualTo("3");
            out("c1", RUN2, "new run\n");
            router.finishCell("c1");
            assertThat(texts("c1")).containsExactly("new run\n");
        }

        @Test
        void aShortRunClearsItsOutputsAndSetsItsCountInTheChangeOfItsFirstOutput() throws Exception {
            out("c1", RUN1, "old run\n");
            router.finishCell("c1");
            int before = documentChanges.get();
            router.cellStarted("c1");
            router.executionCount("c1", 4);
            router.onIopub(Msgs.executeResult(RUN2, 4, "{\"text/plain\":\"2\"}"), "c1");
            router.finishCell("c1");
            assertThat(documentChanges.get() - before).as("document changes of the run").isEqualTo(1);
            assertThat(resolved("c1")).extracting(o -> o.path("data").path("text/plain").asText()).containsExactly("2");
            assertThat(count("c1")).isEqualTo("4");
        }

        /** Short output lists are overwritten in place, longer ones replaced: a window sees the same either way. */
        @ParameterizedTest(name = "{0} outputs of the previous run")
        @ValueSource(ints = {1, 2, 3, 5})
        void aRunsFirstOutputTakesThePlaceOfEveryOutputOfThePreviousRun(int previous) throws Exception {
            for (int i = 0; i < previous; i++) {
                router.onIopub(Msgs.executeResult(RUN1, 1, "{\"text/plain\":\"old " + i + "\"}"), "c1");
            }
            router.finishCell("c1");
            assertThat(outputs("c1")).hasSize(previous);
            int before = documentChanges.get();
            router.cellStarted("c1");
            router.executionCount("c1", 4);
            router.onIopub(Msgs.executeResult(RUN2, 4, "{\"text/plain\":\"new\"}"), "c1");
            assertThat(documentChanges.get() - before).as("one change: clear, count and output").isEqualTo(1);
            assertThat(resolved("c1")).extracting(o -> o.path("data").path("text/plain").asText()).containsExactly("new");
            assertThat(count("c1")).isEqualTo("4");
            out("c1", RUN2, "then a line\n");
            router.finishCell("c1");
            assertThat(resolved("c1")).extracting(o -> o.path("output_type").asText()).containsExactly("execute_result", "stream");
            assertThat(texts("c1").get(1)).isEqualTo("then a line\n");
        }

        /** The previous outputs came from a window (the router never wrote them): they are read, then overwritten. */
        @ParameterizedTest(name = "{0} outputs set by a window")
        @ValueSource(ints = {1, 2, 3})
        void outputsAWindowSetAreReplacedByTheRunsFirstOutputToo(int previous) throws Exception {
            List<String> old = new ArrayList<>();
            for (int i = 0; i < previous; i++) {
                old.add("{\"output_type\":\"stream\",\"name\":\"stdout\",\"text\":\"window " + i + "\"}");
            }
            doc.change(tx -> NotebookDoc.setOutputs(tx, "c1", old));
            router.cellStarted("c1");
            router.onIopub(Msgs.executeResult(RUN2, 4, "{\"text/plain\":\"new\"}"), "c1");
            router.finishCell("c1");
            assertThat(outputs("c1")).hasSize(1).doesNotContainAnyElementsOf(old);
            assertThat(resolved("c1")).extracting(o -> o.path("data").path("text/plain").asText()).containsExactly("new");
        }

        @Test
        void aRunWithoutOutputClearsAndCountsAtItsEndOrAfterTheStartDelay() {
            startedAgain("c1", 5);
            router.finishCell("c1");
            assertThat(outputs("c1")).isEmpty();
            assertThat(count("c1")).isEqualTo("5");

            startedAgain("c2", 6);
            await().atMost(Duration.ofSeconds(5)).until(() -> outputs("c2").isEmpty() && "6".equals(count("c2")));
        }

        @Test
        void aClearOutputsRequestDuringTheRunDropsThePendingCount() throws Exception {
            startedAgain("c1", 4);
            router.clearOutputs("c1");
            router.onIopub(Msgs.executeResult(RUN2, 4, "{\"text/plain\":\"2\"}"), "c1");
            router.finishCell("c1");
            assertThat(resolved("c1")).extracting(o -> o.path("data").path("text/plain").asText()).containsExactly("2");
            assertThat(count("c1")).isEqualTo(NotebookDoc.NO_EXECUTION_COUNT);
        }

        @Test
        void closingTheRouterMakesAPendingStartsChange() {
            startedAgain("c1", 8);
            router.close();
            assertThat(outputs("c1")).isEmpty();
            assertThat(count("c1")).isEqualTo("8");
        }

        @Test
        void aCountAfterTheStartsChangeIsWrittenAtOnce() {
            router.cellStarted("c1");
            router.finishCell("c1");
            router.executionCount("c1", 7);
            assertThat(count("c1")).isEqualTo("7");
        }
    }

    @Nested
    class Comms {
        @Test
        void kernelCommsAreBroadcastReSerialisedWithByteArrayBuffers() {
            router.onIopub(Msgs.comm("comm_open", "{\"comm_id\":\"w1\",\"target_name\":\"jupyter.widget\","
                    + "\"data\":{\"state\":{\"value\":1}},\"extra\":true}", new byte[] {(byte) 137, 80}), null);
            router.onIopub(Msgs.comm("comm_msg", "{\"comm_id\":\"w1\",\"data\":{\"method\":\"update\",\"state\":{\"value\":2}}}"), null);
            router.onIopub(Msgs.comm("comm_close", "{\"comm_id\":\"w1\"}"), null);
            assertThat(sent(NotebookBroadcast.Comm.class)).extracting(OutputRouterTest::wire).containsExactly(
                    "{\"event\":\"comm\",\"msg_type\":\"comm_open\",\"content\":{\"comm_id\":\"w1\",\"target_name\":"
                            + "\"jupyter.widget\",\"data\":{\"state\":{\"value\":1}}},\"buffers\":[[137,80]]}",
                    "{\"event\":\"comm\",\"msg_type\":\"comm_msg\",\"content\":{\"comm_id\":\"w1\",\"data\":"
                            + "{\"method\":\"update\",\"state\":{\"value\":2}}},\"buffers\":[]}",
                    "{\"event\":\"comm\",\"msg_type\":\"comm_close\",\"content\":{\"comm_id\":\"w1\",\"data\":{}},\"buffers\":[]}");
        }

        @Test
        void lateJoinersGetLiveCommsInOpenOrderWithMergedStateAndNoClosedOnes() {
            router.onIopub(Msgs.comm("comm_open", "{\"comm_id\":\"a\",\"target_name\":\"jupyter.widget\",\"data\":{\"state\":"
                    + "{\"_model_module\":\"@jupyter-widgets/controls\",\"_model_name\":\"IntSliderModel\",\"value\":1,\"max\":9},"
                    + "\"buffer_paths\":[]}}"), null);
            router.onIopub(Msgs.comm("comm_open", "{\"comm_id\":\"b\",\"target_name\":\"jupyter.widget\",\"data\":{\"state\":"
                    + "{\"_model_name\":\"ImageModel\",\"value\":null},\"buffer_paths\":[[\"value\"]]}}", new byte[] {1, 2}), null);
            router.onIopub(Msgs.comm("comm_open", "{\"comm_id\":\"c\",\"target_name\":\"other\",\"data\":{}}"), null);
            router.onIopub(Msgs.comm("comm_msg", "{\"comm_id\":\"a\",\"data\":{\"method\":\"update\",\"state\":{\"value\":5}}}"), null);
            router.onIopub(Msgs.comm("comm_msg", "{\"comm_id\":\"b\",\"data\":{\"method\":\"update\",\"state\":{},"
                    + "\"buffer_paths\":[[\"value\"]]}}", new byte[] {3}), null);
            router.onIopub(Msgs.comm("comm_msg", "{\"comm_id\":\"ghost\",\"data\":{\"method\":\"update\",\"state\":{\"x\":1}}}"), null);
            router.onIopub(Msgs.comm("comm_close", "{\"comm_id\":\"c\"}"), null);

            assertThat(wire(new NotebookBroadcast.CommSync(router.comms()))).isEqualTo("{\"event\":\"comm_sync\",\"comms\":["
                    + "{\"comm_id\":\"a\",\"target_name\":\"jupyter.widget\",\"state\":{\"_model_module\":"
                    + "\"@jupyter-widgets/controls\",\"_model_name\":\"IntSliderModel\",\"value\":5,\"max\":9},"
                    + "\"model_module\":\"@jupyter-widgets/controls\",\"model_name\":\"IntSliderModel\"},"
                    + "{\"comm_id\":\"b\",\"target_name\":\"jupyter.widget\",\"state\":{\"_model_name\":\"ImageModel\","
                    + "\"value\":null},\"model_name\":\"ImageModel\",\"buffers\":[[3]]}]}");
        }

        @Test
        void clientUpdatesAreMergedAndResetForgetsEverything() {
            router.onIopub(Msgs.comm("comm_open", "{\"comm_id\":\"a\",\"target_name\":\"jupyter.widget\",\"data\":{\"state\":"
                    + "{\"value\":1}}}"), null);
            router.clientMessage(json("{\"header\":{\"msg_id\":\"m\",\"msg_type\":\"comm_msg\",\"username\":\"u\","
                    + "\"session\":\"s\",\"date\":null,\"version\":\"5.3\"},\"parent_header\":null,\"metadata\":{},"
                    + "\"content\":{\"comm_id\":\"a\",\"data\":{\"method\":\"update\",\"state\":{\"value\":42},"
                    + "\"buffer_paths\":[[\"blob\"]]}},\"buffers\":[[1,258]]}"));
            assertThat(router.comms()).singleElement().satisfies(c -> {
                assertThat(c.state()).isEqualTo(json("{\"value\":42}"));
                assertThat(c.buffers()).singleElement().satisfies(b -> assertThat(b.toByteArray()).containsExactly(1, 2));
            });
            router.reset();
            assertThat(router.comms()).isEmpty();
        }
    }

    @Nested
    class OutputWidgetCapture {
        @BeforeEach
        void openAnOutputWidgetCapturingRun1() {
            router.onIopub(Msgs.comm("comm_open", "{\"comm_id\":\"out\",\"target_name\":\"jupyter.widget\",\"data\":{\"state\":"
                    + "{\"_model_module\":\"@jupyter-widgets/output\",\"_model_name\":\"OutputModel\",\"msg_id\":\"\"}}}"), null);
            router.onIopub(Msgs.comm("comm_msg", "{\"comm_id\":\"out\",\"data\":{\"method\":\"update\",\"state\":"
                    + "{\"msg_id\":\"" + RUN1 + "\"}}}"), null);
            broadcasts.clear();
        }

        @Test
        void aCapturedStreamGoesToTheWidgetAndNotToTheDocument() {
            out("c1", RUN1, "inside\n");
            router.finishCell("c1");
            assertThat(outputs("c1")).isEmpty();
            assertThat(broadcasts).extracting(OutputRouterTest::wire).containsExactly(
                    "{\"event\":\"comm\",\"msg_type\":\"comm_msg\",\"content\":{\"comm_id\":\"out\",\"data\":{\"method\":"
                            + "\"custom\",\"content\":{\"method\":\"output\",\"output\":{\"output_type\":\"stream\","
                            + "\"name\":\"stdout\",\"text\":\"inside\\n\"}}}},\"buffers\":[]}");
        }

        @Test
        void aCapturedClearOutputGoesToTheWidget() {
            router.onIopub(Msgs.clearOutput(RUN1, true), "c1");
            assertThat(broadcasts).extracting(OutputRouterTest::wire).containsExactly(
                    "{\"event\":\"comm\",\"msg_type\":\"comm_msg\",\"content\":{\"comm_id\":\"out\",\"data\":{\"method\":"
                            + "\"custom\",\"content\":{\"method\":\"clear_output\",\"wait\":true}}},\"buffers\":[]}");
        }

        @Test
        void capturesEvenWithoutACellAndOnlyForTheCapturedRequest() throws Exception {
            router.onIopub(Msgs.display(RUN1, "{\"text/plain\":\"w\"}", "{}", null), null);
            out("c2", RUN2, "elsewhere\n");
            router.finishCell("c2");
            assertThat(sent(NotebookBroadcast.Comm.class)).hasSize(1);
            assertThat(texts("c2")).containsExactly("elsewhere\n");
        }

        @Test
        void anEmptyMsgIdOrACloseEndsTheCapture() throws Exception {
            router.onIopub(Msgs.comm("comm_msg", "{\"comm_id\":\"out\",\"data\":{\"method\":\"update\",\"state\":"
                    + "{\"msg_id\":\"\"}}}"), null);
            out("c1", RUN1, "to the cell\n");
            router.finishCell("c1");
            assertThat(texts("c1")).containsExactly("to the cell\n");
        }
    }
}
