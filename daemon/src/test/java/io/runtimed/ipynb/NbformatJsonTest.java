package io.runtimed.ipynb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import io.runtimed.testkit.SystemPackages;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * NbformatJson against Debian's nbformat 5.5 itself: every .ipynb under dist-packages (nbclient's
 * and notebook's test files), the handwritten ones in resources/ipynb and two generated ones
 * (random floats, random line breaks) go through one /usr/bin/python3 run, and
 * write(read(file)) must equal what nbformat.write(nbformat.read(file, as_version=4)) writes.
 */
class NbformatJsonTest {
    static final Path DIST_PACKAGES = Path.of("/usr/lib/python3/dist-packages");
    /**
     * Files nbformat's validator changes on read: a v4.5 cell without an id, or with an id an
     * earlier cell has, gets a random id, which cannot be reproduced (and NbformatJson leaves ids
     * alone). These are compared with nbformat's writer without the validator instead.
     */
    static final Set<String> REPAIRED_BY_NBFORMAT = Set.of("repaired-ids.ipynb");

    @TempDir
    static Path generated;
    static final List<Path> FILES = new ArrayList<>();
    static JsonNode nbformat;

    @BeforeAll
    static void runNbformatOnceForAllFiles() throws Exception {
        SystemPackages.requireNbformatAndNbclient();
        try (Stream<Path> walk = Files.walk(DIST_PACKAGES)) {
            FILES.addAll(walk.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList());
        }
        try (Stream<Path> own = Files.list(resource("ipynb"))) {
            FILES.addAll(own.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList());
        }
        FILES.add(write(generated.resolve("random-floats.ipynb"), randomFloats(new Random(42), 5000)));
        FILES.add(write(generated.resolve("random-line-breaks.ipynb"), randomLineBreaks(new Random(7), 300)));
        nbformat = runNbformat(FILES);
    }

    @Test
    void theCorpusHasTheDistPackagesNotebooksAndOurs() {
        assertThat(FILES.stream().filter(p -> p.startsWith(DIST_PACKAGES))).hasSizeGreaterThanOrEqualTo(20);
        assertThat(FILES).extracting(p -> p.getFileName().toString())
                .contains("unicode-and-escapes.ipynb", "numbers.ipynb", "outputs.ipynb", "attachments-with-ids.ipynb",
                        "repaired-ids.ipynb", "version3.ipynb");
    }

    @TestFactory
    Stream<DynamicTest> writeOfReadIsWhatNbformatWrites() {
        return FILES.stream().filter(p -> expected(p).path("major").asInt() == 4).map(p -> dynamicTest(label(p), () -> {
            String file = p.getFileName().toString();
            String python = expected(p).path(REPAIRED_BY_NBFORMAT.contains(file) ? "unvalidated" : "written").textValue();
            String ours = NbformatJson.write(NbformatJson.read(Files.readAllBytes(p)));
            assertThat(ours).as("write(read(%s))", p).isEqualTo(python);
        }));
    }

    @Test
    void onlyTheListedFilesAreRepairedByNbformatsValidator() {
        List<String> repaired = FILES.stream()
                .filter(p -> expected(p).path("major").asInt() == 4)
                .filter(p -> !expected(p).path("written").equals(expected(p).path("unvalidated")))
                .map(p -> p.getFileName().toString())
                .toList();
        assertThat(repaired).containsExactlyInAnyOrderElementsOf(REPAIRED_BY_NBFORMAT);
    }

    @TestFactory
    Stream<DynamicTest> aFileNbformatReadsAsAnotherVersionIsRefusedNamingIt() {
        List<Path> others = FILES.stream().filter(p -> expected(p).path("major").asInt() != 4).toList();
        assertThat(others).extracting(p -> p.getFileName().toString()).contains("version3.ipynb");
        return others.stream().map(p -> dynamicTest(label(p), () -> {
            int major = expected(p).path("major").asInt();
            assertThatThrownBy(() -> NbformatJson.read(Files.readAllBytes(p)))
                    .isInstanceOf(NotebookFileException.class)
                    .hasMessage("unsupported notebook version: this is an nbformat " + major
                            + " notebook, only nbformat 4 can be opened");
        }));
    }

    @Nested
    class ReadJoinsAndWriteSplits {
        @Test
        void readJoinsListsOfLinesAndStripsTransientMetadata() throws Exception {
            ObjectNode nb = NbformatJson.read(Files.readAllBytes(resource("ipynb/outputs.ipynb")));
            JsonNode cell = nb.get("cells").get(0);
            assertThat(cell.get("source").textValue()).isEqualTo("import time\r\nfor i in range(3):\r\n    print(i, end='\\r')");
            assertThat(cell.get("outputs").get(0).get("text").textValue()).isEqualTo("loading   0%\rloading  50%\rloading 100%\r\ndone\n");
            assertThat(cell.get("metadata").has("trusted")).isFalse();
            JsonNode display = cell.get("outputs").get(3);
            assertThat(display.get("data").get("text/markdown").textValue()).as("[] joins to \"\"").isEmpty();
            assertThat(display.get("transient").get("display_id").textValue()).as("nbformat keeps an output's transient").isEqualTo("abc123");
            JsonNode result = cell.get("outputs").get(4).get("data");
            assertThat(result.get("application/vnd.custom+json").isArray()).as("JSON types are data, never lines").isTrue();
            assertThat(result.get("application/x-custom").textValue()).isEqualTo("joined because not JSON");
        }

        @Test
        void writeDoesNotChangeItsArgument() throws Exception {
            ObjectNode nb = NbformatJson.read(Files.readAllBytes(resource("ipynb/attachments-with-ids.ipynb")));
            nb.with("metadata").put("signature", "x");
            ObjectNode before = nb.deepCopy();
            String text = NbformatJson.write(nb);
            assertThat(nb).isEqualTo(before);
            assertThat(text).doesNotContain("\"signature\"").endsWith("}\n");
        }

        @Test
        void keysSortByCodePointAsPythonSortsStr() {
            ObjectNode nb = minimal();
            nb.with("metadata").put("\uff5a", 1).put("\ud83d\ude00", 2).put("a", 3);
            String text = NbformatJson.write(nb);
            assertThat(text.indexOf("\"a\"")).isLessThan(text.indexOf("\"\uff5a\""));
            assertThat(text.indexOf("\"\uff5a\"")).isLessThan(text.indexOf("\"\ud83d\ude00\""));
        }

        @Test
        void pythonsLineBreaksSplitSource() {
            assertThat(PythonLines.splitKeepEnds("a\r\nb\rc\nd\u2028e\u0085f\u000bg")).containsExactly(
                    "a\r\n", "b\r", "c\n", "d\u2028", "e\u0085", "f\u000b", "g");
            assertThat(PythonLines.splitKeepEnds("")).isEmpty();
            assertThat(PythonLines.splitKeepEnds("\r\r\n")).containsExactly("\r", "\r\n");
        }

        @Test
        void floatsAreWrittenAsPythonsRepr() {
            assertThat(Stream.of(1.0, 0.1, 1e-5, 1e16, 1e15, 12345678.9, -0.0, 5e-324, Double.NaN, Double.NEGATIVE_INFINITY)
                    .map(PythonFloat::repr))
                    .containsExactly("1.0", "0.1", "1e-05", "1e+16", "1000000000000000.0", "12345678.9", "-0.0", "5e-324",
                            "NaN", "-Infinity");
        }
    }

    @Nested
    class BadInput {
        @Test
        void notJson() {
            assertRefused("{\"cells\": [", "not a notebook: the file is not valid JSON: ");
            assertRefused("hello", "not a notebook: the file is not valid JSON: ");
            assertRefused("", "not a notebook: the file is empty");
            assertRefused("{} {}", "not a notebook: the file is not valid JSON: ");
        }

        @Test
        void notUtf8OrWithAByteOrderMark() {
            assertThatThrownBy(() -> NbformatJson.read(new byte[] {'{', (byte) 0xff, '}'}))
                    .isInstanceOf(NotebookFileException.class).hasMessage("not a notebook: the file is not UTF-8 text");
            assertRefused("\ufeff{}", "not a notebook: the file starts with a byte order mark");
        }

        @Test
        void aJsonArray() {
            assertRefused("[1, 2]", "not a notebook: the file holds a JSON array, not an object");
        }

        @Test
        void nbformatMissingOrNotTheInteger4() {
            assertRefused("{\"cells\": []}", "not a notebook: it has no \"nbformat\" version");
            assertRefused("{\"nbformat\": 3, \"cells\": []}",
                    "unsupported notebook version: this is an nbformat 3 notebook, only nbformat 4 can be opened");
            assertRefused("{\"nbformat\": \"4\", \"cells\": []}", "not a notebook: \"nbformat\" is the string \"4\", expected the integer 4");
            assertRefused("{\"nbformat\": 4.0, \"cells\": []}", "not a notebook: \"nbformat\" is 4.0, expected the integer 4");
        }

        @Test
        void cellsMissingOrNotAnArray() {
            assertRefused("{\"nbformat\": 4, \"metadata\": {}}", "not a notebook: it has no \"cells\"");
            assertRefused("{\"nbformat\": 4, \"cells\": {}}", "not a notebook: \"cells\" is an object, not an array");
        }

        @Test
        void aCellThatIsNotAnObject() {
            assertRefused("{\"nbformat\": 4, \"cells\": [{}, 7]}", "not a notebook: cell 1 is a number, not an object");
        }

        @Test
        void aSourceListWithANonString() {
            assertRefused("{\"nbformat\": 4, \"cells\": [{\"source\": [\"a\", 1]}]}",
                    "not a valid notebook: cell 0's source is a list with an item that is not a string");
        }

        @Test
        void aMinimalNotebookIsAccepted() throws Exception {
            ObjectNode nb = NbformatJson.read("{\"nbformat\": 4, \"nbformat_minor\": 5, \"metadata\": {}, \"cells\": []}"
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(NbformatJson.write(nb)).isEqualTo("{\n \"cells\": [],\n \"metadata\": {},\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n");
        }

        private void assertRefused(String text, String messageStart) {
            assertThatThrownBy(() -> NbformatJson.read(text.getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(NotebookFileException.class)
                    .hasMessageStartingWith(messageStart)
                    .hasMessageNotContaining("\n");
        }
    }

    static ObjectNode minimal() {
        ObjectNode nb = Json.MAPPER.createObjectNode();
        nb.putArray("cells");
        nb.putObject("metadata");
        nb.put("nbformat", 4).put("nbformat_minor", 5);
        return nb;
    }

    /** Doubles of every magnitude (random bit patterns) and short decimals, in Java's own (round-tripping) spelling. */
    static ObjectNode randomFloats(Random random, int count) {
        ObjectNode nb = minimal();
        nb.put("nbformat_minor", 4);
        ArrayNode floats = nb.with("metadata").putArray("floats");
        while (floats.size() < count) {
            double d = floats.size() % 2 == 0
                    ? Double.longBitsToDouble(random.nextLong())
                    : random.nextInt(2_000_000) / Math.pow(10, random.nextInt(25) - 5);
            if (Double.isFinite(d)) {
                floats.add(d);
            }
        }
        return nb;
    }

    /** Code cells whose source and stream text mix every str.splitlines break with other characters. */
    static ObjectNode randomLineBreaks(Random random, int cells) {
        String[] pieces = {"a", "é", "😀", "\n", "\r", "\r\n", "\u000b", "\u000c", "\u001c", "\u001d", "\u001e", "\u0085",
                "\u2028", "\u2029", "\u0000", "\"", "\\", "\t", "\u007f", " "};
        ObjectNode nb = minimal();
        nb.put("nbformat_minor", 4);
        for (int i = 0; i < cells; i++) {
            ObjectNode cell = nb.withArray("cells").addObject();
            cell.put("cell_type", "code").putNull("execution_count");
            cell.putObject("metadata");
            cell.put("source", randomText(random, pieces));
            ObjectNode stream = cell.putArray("outputs").addObject();
            stream.put("output_type", "stream").put("name", "stdout").put("text", randomText(random, pieces));
        }
        return nb;
    }

    private static String randomText(Random random, String[] pieces) {
        StringBuilder b = new StringBuilder();
        int n = random.nextInt(12);
        for (int i = 0; i < n; i++) {
            b.append(pieces[random.nextInt(pieces.length)]);
        }
        return b.toString();
    }

    private static Path write(Path file, ObjectNode nb) throws IOException {
        Files.write(file, Json.MAPPER.writeValueAsBytes(nb));
        return file;
    }

    private static JsonNode expected(Path p) {
        return nbformat.path(p.toString());
    }

    private static String label(Path p) {
        return p.startsWith(DIST_PACKAGES) ? DIST_PACKAGES.relativize(p).toString() : p.getFileName().toString();
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(NbformatJsonTest.class.getClassLoader().getResource(name).toURI());
    }

    /** One /usr/bin/python3 for every file: nbformat_writes.py prints a JSON map path -> what nbformat writes. */
    private static JsonNode runNbformat(List<Path> files) throws Exception {
        String script;
        try (InputStream in = NbformatJsonTest.class.getClassLoader().getResourceAsStream("ipynb/nbformat_writes.py")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Path stderr = generated.resolve("python-stderr.txt");
        Process python = new ProcessBuilder(SystemPackages.DEBIAN_PYTHON, "-c", script)
                .redirectError(stderr.toFile())
                .start();
        try (var stdin = python.getOutputStream()) {
            stdin.write(Json.MAPPER.writeValueAsBytes(files.stream().map(Path::toString).collect(Collectors.toList())));
        }
        byte[] out = python.getInputStream().readAllBytes();
        assertThat(python.waitFor(60, TimeUnit.SECONDS)).as("nbformat finished").isTrue();
        assertThat(python.exitValue()).as("nbformat_writes.py failed: %s", Files.readString(stderr)).isZero();
        JsonNode map = Json.MAPPER.readTree(out);
        assertThat(new TreeMap<>(java.util.Map.of("files", map.size()))).containsEntry("files", files.size());
        return map;
    }
}
