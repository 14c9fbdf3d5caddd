package io.runtimed.ipynb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.blob.BlobStore;
import io.runtimed.outputs.ManifestResolver;
import io.runtimed.outputs.OutputBlobs;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.NotebookResponse;
import io.runtimed.sync.DocumentOwner;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.sync.notebook.NotebookDoc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KERNELS.md §9.1 and §9.4 (ours) on real files: a notebook loaded into a fresh document and saved
 * again is what nbformat itself writes for the same notebook (Debian's python3-nbformat decides), and
 * every saved file validates; the refusals of a save; a file that is not a notebook.
 */
class NotebookFilesTest {
    /** The notebooks Debian ships with python3-nbclient, nbformat and nbconvert, and ours. */
    static List<Path> corpus() throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(Path.of("/usr/lib/python3/dist-packages"))) {
            walk.filter(p -> p.toString().endsWith(".ipynb")).sorted().forEach(files::add);
        }
        Path ours = Path.of("src/test/resources/ipynb");
        if (Files.isDirectory(ours)) {
            try (Stream<Path> list = Files.list(ours)) {
                list.filter(p -> p.toString().endsWith(".ipynb")).sorted().forEach(files::add);
            }
        }
        // nbformat 3 files are refused on open (NbformatJsonTest says how)
        files.removeIf(f -> {
            try {
                return Json.MAPPER.readTree(Files.readAllBytes(f)).path("nbformat").asInt() != 4;
            } catch (IOException e) {
                return true;
            }
        });
        return files;
    }

    @TempDir
    Path dir;
    OutputBlobs blobs;
    final List<DocumentOwner> owners = new ArrayList<>();

    @BeforeEach
    void store() {
        blobs = new OutputBlobs(new BlobStore(dir.resolve("blobs")));
    }

    @AfterEach
    void free() {
        owners.forEach(DocumentOwner::close);
    }

    DocumentOwner fresh(String id) {
        DocumentOwner owner = new DocumentOwner("test", NotebookDoc.createFresh(id));
        owners.add(owner);
        return owner;
    }

    /** The file copied to {@code name} in the temp dir, opened as a room would and saved back over itself. */
    Path openAndSave(Path source, String name) throws IOException {
        Path copy = dir.resolve(name);
        Files.copy(source, copy);
        DocumentOwner owner = fresh(copy.toString());
        assertThat(NotebookFiles.loadIfEmpty(copy.toString(), owner, blobs)).as(source.toString()).isTrue();
        assertThat(NotebookFiles.save(copy.toString(), owner, blobs, false)).isEqualTo(new NotebookResponse.NotebookSaved());
        return copy;
    }

    @Test
    void everyNotebookOfTheCorpusSavesAsNbformatWritesIt() throws Exception {
        List<Path> corpus = corpus();
        assertThat(corpus).hasSizeGreaterThan(20);
        Map<String, String> saved = new LinkedHashMap<>();
        int n = 0;
        for (Path source : corpus) {
            Path copy = openAndSave(source, "nb" + n++ + ".ipynb");
            saved.put(source.toString(), copy.toString());
        }
        Map<String, String> problems = new LinkedHashMap<>();
        JsonNode expected = python(saved);
        for (Map.Entry<String, String> e : saved.entrySet()) {
            JsonNode verdict = expected.get(e.getKey());
            if (verdict.has("error")) {
                problems.put(e.getKey(), verdict.get("error").asText());
                continue;
            }
            String ours = Files.readString(Path.of(e.getValue()));
            String theirs = verdict.get("expected").asText();
            if (!ours.equals(theirs)) {
                String[] a = ours.split("\n", -1);
                String[] b = theirs.split("\n", -1);
                int line = 0;
                while (line < Math.min(a.length, b.length) && a[line].equals(b[line])) {
                    line++;
                }
                problems.put(e.getKey(), "differs from nbformat's own text at line " + (line + 1) + ": ours "
                        + (line < a.length ? a[line] : "<end>") + " | nbformat's " + (line < b.length ? b[line] : "<end>"));
            }
        }
        assertThat(problems).isEmpty();
    }

    /**
     * For each source → our saved file: nbformat's text for the source notebook (read as nbformat
     * reads it, moved to 4.5 with our saved file's ids where it had none), or the validation error
     * of our file.
     */
    static JsonNode python(Map<String, String> saved) throws Exception {
        String script = String.join("\n",
                "import json, sys, nbformat",
                "pairs = json.load(sys.stdin)",
                "out = {}",
                "for src, ours in pairs.items():",
                "    try:",
                "        mine = nbformat.read(ours, as_version=4)",
                "        raw = json.load(open(src, encoding='utf-8'))",
                "        nb = nbformat.read(src, as_version=4)",
                "        if nbformat.validator.isvalid(nb):",
                "            nbformat.validate(mine)  # a source nbformat itself rejects is saved as it was",
                "        ids = [c.get('id') for c in raw['cells']]",
                "        if nb.nbformat_minor < 5 or None in ids or len(set(ids)) != len(ids):",
                "            nb.nbformat_minor = max(nb.nbformat_minor, 5)",
                "            for c, m in zip(nb.cells, mine.cells):",
                "                c['id'] = m['id']",
                "        for c in nb.cells:",
                "            for o in c.get('outputs', []):",
                "                o.pop('transient', None)  # KERNELS.md 9.1 (ours): not nbformat, stripped on save",
                "        path = ours + '.expected'",
                "        nbformat.write(nb, path)",
                "        out[src] = {'expected': open(path, encoding='utf-8').read()}",
                "    except Exception as e:",
                "        out[src] = {'error': type(e).__name__ + ': ' + str(e)[:300]}",
                "print(json.dumps(out))");
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", script).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().write(Json.compact(saved));
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        return Json.MAPPER.readTree(out);
    }

    @Test
    void outputsCountsMetadataAndAttachmentsReachTheDocumentAndComeBack() throws Exception {
        ObjectNode nb = Json.MAPPER.createObjectNode();
        nb.put("nbformat", 4);
        nb.put("nbformat_minor", 5);
        nb.putObject("metadata").putObject("kernelspec").put("name", "python3").put("display_name", "Python 3")
                .put("language", "python");
        ArrayNode cells = nb.putArray("cells");
        ObjectNode code = cells.addObject();
        code.put("id", "c1");
        code.put("cell_type", "code");
        code.put("source", "print('hé 🙂')\n1+1");
        code.putObject("metadata").putArray("tags").add("keep");
        code.put("execution_count", 7);
        ArrayNode outputs = code.putArray("outputs");
        outputs.addObject().put("output_type", "stream").put("name", "stdout").put("text", "hé 🙂\n");
        ObjectNode result = outputs.addObject().put("output_type", "execute_result").put("execution_count", 7);
        result.putObject("data").put("text/plain", "2");
        result.putObject("metadata");
        byte[] png = new byte[20_000];
        new java.util.Random(1).nextBytes(png);
        ObjectNode image = outputs.addObject().put("output_type", "display_data");
        image.putObject("data").put("image/png", Base64.getEncoder().encodeToString(png)).put("text/plain", "<Figure>");
        image.putObject("metadata").putObject("image/png").put("width", 640);
        ObjectNode md = cells.addObject();
        md.put("id", "m1");
        md.put("cell_type", "markdown");
        md.put("source", "![x](attachment:x.png)");
        md.putObject("metadata");
        md.putObject("attachments").putObject("x.png").put("image/png", "iVBORw0KGgo=");
        Path file = dir.resolve("rich.ipynb");
        Files.writeString(file, NbformatJson.write(nb));

        DocumentOwner owner = fresh(file.toString());
        assertThat(NotebookFiles.loadIfEmpty(file.toString(), owner, blobs)).isTrue();
        List<NotebookCell> read = owner.read(NotebookDoc::cells);
        assertThat(read).extracting(NotebookCell::id).containsExactly("c1", "m1");
        assertThat(read.get(0).executionCount()).isEqualTo("7");
        assertThat(read.get(0).outputs()).hasSize(3).allMatch(ManifestResolver::isManifestHash);
        ObjectNode resolvedImage = new ManifestResolver(blobs).resolve(read.get(0).outputs().get(2));
        assertThat(resolvedImage.path("data").path("image/png").asText()).as("base64 text, as the file had it")
                .isEqualTo(Base64.getEncoder().encodeToString(png));
        assertThat(owner.read(d -> NotebookDoc.getMetadata(d, NotebookImport.NOTEBOOK_METADATA)).orElseThrow())
                .contains("\"kernelspec\"").contains("\"schema_version\":\"1\"");

        String before = Files.readString(file);
        assertThat(NotebookFiles.save(file.toString(), owner, blobs, false)).isEqualTo(new NotebookResponse.NotebookSaved());
        assertThat(Files.readString(file)).isEqualTo(before);
    }

    @Test
    void aSaveRefusesAnIdThatIsNotAnAbsolutePath() {
        DocumentOwner owner = fresh("0b4e9f5a-untitled");
        NotebookResponse r = NotebookFiles.save("0b4e9f5a-untitled", owner, blobs, false);
        assertThat(r).isInstanceOf(NotebookResponse.Error.class);
        assertThat(((NotebookResponse.Error) r).error()).startsWith("Failed to save notebook: the notebook id is not an absolute path");
        assertThat(dir.resolve("0b4e9f5a-untitled")).doesNotExist();
    }

    @Test
    void anEmptyDocumentIsNotSavedOverAFileWithCellsUnlessForced() throws Exception {
        Path file = openAndSave(corpus().get(0), "full.ipynb");
        String before = Files.readString(file);
        DocumentOwner empty = fresh(file.toString());
        NotebookResponse r = NotebookFiles.save(file.toString(), empty, blobs, false);
        assertThat(r).isInstanceOf(NotebookResponse.Error.class);
        assertThat(((NotebookResponse.Error) r).error()).contains("has no cells");
        assertThat(Files.readString(file)).isEqualTo(before);
        assertThat(NotebookFiles.save(file.toString(), empty, blobs, true)).isInstanceOf(NotebookResponse.NotebookSaved.class);
        assertThat(NbformatJson.read(Files.readAllBytes(file)).path("cells").size()).isZero();
    }

    @Test
    void aFileThatIsNotANotebookIsNeverLoadedNorWrittenOver() throws Exception {
        Path file = dir.resolve("broken.ipynb");
        Files.writeString(file, "{\"cells\": [");
        DocumentOwner owner = fresh(file.toString());
        assertThat(NotebookFiles.loadIfEmpty(file.toString(), owner, blobs)).isFalse();
        assertThat(owner.read(d -> NotebookDoc.getMetadata(d, NotebookFiles.LOAD_ERROR)).orElseThrow())
                .startsWith(file + " could not be loaded: ");
        owner.change(tx -> NotebookDoc.addCell(tx, 0, "new", "code", false));
        NotebookResponse r = NotebookFiles.save(file.toString(), owner, blobs, false);
        assertThat(((NotebookResponse.Error) r).error()).contains("nothing was written over it");
        assertThat(Files.readString(file)).isEqualTo("{\"cells\": [");
    }

    @Test
    void aSaveIsAtomicAndLeavesNoTemporaryFile() throws Exception {
        Path file = openAndSave(corpus().get(1), "atomic.ipynb");
        try (Stream<Path> list = Files.list(dir)) {
            assertThat(list.map(p -> p.getFileName().toString()).filter(n -> n.contains("tmp"))).isEmpty();
        }
        assertThat(Files.readString(file)).endsWith("\n");
    }

    @Test
    void generatedIdsAreStableAndUnique() {
        java.util.Set<String> taken = new java.util.HashSet<>();
        String a = NotebookImport.generatedId("/x.ipynb", 0, taken);
        assertThat(NotebookImport.generatedId("/x.ipynb", 0, new java.util.HashSet<>())).isEqualTo(a);
        taken.add(a);
        assertThat(NotebookImport.generatedId("/x.ipynb", 0, taken)).isNotEqualTo(a).matches("[0-9a-f]{8}");
    }
}
