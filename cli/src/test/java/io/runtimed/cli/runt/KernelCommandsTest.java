package io.runtimed.cli.runt;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.client.BlobClient;
import io.runtimed.client.OutputResolver;
import io.runtimed.cli.PoolErrorText;
import io.runtimed.protocol.CellSnapshot;
import io.runtimed.protocol.NotebookKernelInfo;
import io.runtimed.protocol.PoolError;
import io.runtimed.protocol.PoolResponse;
import io.runtimed.protocol.RoomInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** How {@code runt exec} prints outputs and how {@code runt notebook list} shows kernels, without a daemon. */
class KernelCommandsTest {
    static String stream(String name, String text) {
        return "{\"output_type\":\"stream\",\"name\":\"" + name + "\",\"text\":\"" + text + "\"}";
    }

    /** A printer over inline outputs (no blob store needed) and the outputs it has been shown. */
    static final class Screen {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final OutputPrinter printer;
        final List<String> outputs = new ArrayList<>();
        final Set<String> announced = new HashSet<>();

        Screen(boolean ansi) {
            printer = new OutputPrinter(new OutputResolver(new BlobClient(Path.of("/nonexistent.sock"))),
                    new PrintWriter(out), new PrintWriter(err), ansi);
        }

        /** The daemon appends (or, with {@code at}, rewrites) an output and announces it. */
        Screen put(int at, String output) throws Exception {
            if (at == outputs.size()) {
                outputs.add(output);
            } else {
                outputs.set(at, output);
            }
            announced.add(output);
            printer.render(outputs, announced);
            return this;
        }
    }

    @Nested
    class ExecOutput {
        @Test
        void aGrowingStreamPrintsOnlyWhatWasAddedAndStderrGoesToStderr() throws Exception {
            Screen s = new Screen(false);
            s.put(0, stream("stdout", "a\\n")).put(0, stream("stdout", "a\\nb\\n")).put(1, stream("stderr", "warn\\n"));
            s.printer.finish();
            assertThat(s.out.toString()).isEqualTo("a\nb\n");
            assertThat(s.err.toString()).isEqualTo("warn\n");
        }

        @Test
        void aRewrittenLastLineIsPrintedAgainAfterACarriageReturn() throws Exception {
            Screen s = new Screen(false);
            s.put(0, stream("stdout", "10%")).put(0, stream("stdout", "100%")).put(0, stream("stdout", "100%\\ndone"));
            s.printer.finish();
            assertThat(s.out.toString()).isEqualTo("10%\r100%\ndone\n");
        }

        @Test
        void resultsPrintTheirPlainTextAndErrorsTheirTracebackWithAnsiOnlyForATerminal() throws Exception {
            String result = "{\"output_type\":\"execute_result\",\"data\":{\"text/plain\":\"2\"},\"metadata\":{},\"execution_count\":1}";
            String error = "{\"output_type\":\"error\",\"ename\":\"ZeroDivisionError\",\"evalue\":\"division by zero\","
                    + "\"traceback\":[\"\\u001b[0;31mZeroDivisionError\\u001b[0m\",\"division by zero\"]}";
            Screen plain = new Screen(false);
            plain.put(0, result).put(1, error);
            assertThat(plain.out.toString()).isEqualTo("2\n");
            assertThat(plain.err.toString()).isEqualTo("ZeroDivisionError\ndivision by zero\n");
            assertThat(plain.printer.sawError()).isTrue();
            Screen tty = new Screen(true);
            tty.put(0, error);
            assertThat(tty.err.toString()).startsWith("\u001b[0;31mZeroDivisionError\u001b[0m\n");
        }

        @Test
        void inlineOutputsMayHoldTheirTextAsAListOfLines() throws Exception {
            Screen s = new Screen(false);
            s.put(0, "{\"output_type\":\"stream\",\"name\":\"stdout\",\"text\":[\"a\\n\",\"b\\n\"]}");
            s.put(1, "{\"output_type\":\"display_data\",\"data\":{\"text/plain\":[\"x\",\"y\"]},\"metadata\":{}}");
            assertThat(s.out.toString()).isEqualTo("a\nb\nxy\n");
        }

        @Test
        void outputsNotAnnouncedForThisRunAreNotPrinted() throws Exception {
            Screen s = new Screen(false);
            String old = stream("stdout", "previous run\\n");
            s.outputs.add(old);
            s.printer.render(s.outputs, s.announced);
            assertThat(s.out.toString()).isEmpty();
            s.outputs.clear();
            s.put(0, stream("stdout", "this run\\n"));
            assertThat(s.out.toString()).isEqualTo("this run\n");
        }
    }

    @Nested
    class NotebookList {
        @Test
        void theKernelColumnShowsTypeStatusAndSourceOrADash() {
            assertThat(NotebookCommand.kernelColumn(RoomInfo.withKernel("nb", 1, "python", "uv:prewarmed", "idle")))
                    .isEqualTo("python idle (uv:prewarmed)");
            assertThat(NotebookCommand.kernelColumn(RoomInfo.withoutKernel("nb", 1))).isEqualTo("-");
        }
    }

    @Nested
    class Inspect {
        @Test
        void theHumanFormSaysWhereTheCellsCameFromAndTheKernel() {
            PoolResponse.NotebookState live = new PoolResponse.NotebookState("nb",
                    List.of(new CellSnapshot("c1", "code", "x = 1\nx", "2", List.of("{}"))),
                    PoolResponse.NotebookState.Source.LIVE_ROOM, new NotebookKernelInfo("python", "uv:prewarmed", "idle"));
            assertThat(InspectCommand.human(live)).isEqualTo("notebook nb (1 cells, live room)\n"
                    + "kernel: python idle (uv:prewarmed)\n\n[0] code c1 (execution 2), 1 outputs\n    x = 1\n    x\n");
            PoolResponse.NotebookState file = new PoolResponse.NotebookState("nb", List.of(),
                    PoolResponse.NotebookState.Source.PERSISTED_FILE, null);
            assertThat(InspectCommand.human(file)).isEqualTo("notebook nb (0 cells, persisted file)\nkernel: none\n");
        }

        @Test
        void aPoolErrorReadsAsFailuresRetryAndPackage() {
            assertThat(PoolErrorText.details(new PoolError("m", "numpyy", 2, 41)))
                    .isEqualTo("2 consecutive failures, retry in 41 s, failing package numpyy");
            assertThat(PoolErrorText.details(new PoolError("m", null, 1, 0))).isEqualTo("1 consecutive failure, retry in 0 s");
        }
    }

    @Nested
    class Help {
        @Test
        void runtListsTheKernelAndExecCommandsAndEachHasHelp() {
            StringWriter out = new StringWriter();
            CommandLine cl = RuntCommand.TREE.full().setOut(new PrintWriter(out));
            assertThat(cl.execute("--help")).isZero();
            assertThat(out.toString()).contains("kernel ").contains("exec ").contains("inspect ");
            for (String[] args : List.of(new String[] {"kernel", "--help"}, new String[] {"kernel", "status", "--help"},
                    new String[] {"kernel", "launch", "--help"}, new String[] {"kernel", "interrupt", "--help"},
                    new String[] {"kernel", "shutdown", "--help"}, new String[] {"exec", "--help"},
                    new String[] {"inspect", "--help"})) {
                StringWriter help = new StringWriter();
                CommandLine c = RuntCommand.TREE.full().setOut(new PrintWriter(help));
                assertThat(c.execute(args)).as(String.join(" ", args)).isZero();
                assertThat(help.toString()).as(String.join(" ", args)).startsWith("Usage: runt ");
            }
        }

        @Test
        void execWithoutCodeOrCellIsAUsageError() {
            StringWriter err = new StringWriter();
            CommandLine c = RuntCommand.TREE.full().setErr(new PrintWriter(err));
            assertThat(c.execute("exec", "nb")).isEqualTo(2);
            assertThat(err.toString()).startsWith("Missing CODE");
        }
    }
}
