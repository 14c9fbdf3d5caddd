package io.runtimed.rooms.notebook;

import io.runtimed.paths.NotebookDocFiles;
import io.runtimed.protocol.CellSnapshot;
import io.runtimed.protocol.NotebookKernelInfo;
import io.runtimed.protocol.PoolResponse;
import io.runtimed.rooms.DocumentStore;
import io.runtimed.sync.DocumentDecodeException;
import io.runtimed.sync.NativeHandles;
import io.runtimed.sync.notebook.NotebookCell;
import io.runtimed.sync.notebook.NotebookDoc;
import io.runtimed.sync.notebook.NotebookSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.automerge.Document;

/**
 * KERNELS.md §11.1 {@code inspect_notebook}: a notebook's cells from its live room (with its kernel),
 * else from its persisted {@code notebook-docs/<sha256>.automerge}. The file is only read: never
 * repaired, renamed or written (unlike {@link io.runtimed.rooms.DocumentStore#read}, which sets a
 * corrupt file aside), so inspecting cannot change what a later room loads.
 */
public final class NotebookInspector {
    /** How long an inspect waits for a room that is being written out to finish. */
    private static final Duration CLOSING_WAIT = Duration.ofSeconds(10);

    private final RoomRegistry rooms;

    public NotebookInspector(RoomRegistry rooms) {
        this.rooms = rooms;
    }

    /** The {@code notebook_state} answer, or the {@code error} answer with the spec's texts. */
    public PoolResponse inspect(String notebookId) {
        Optional<RoomRegistry.LiveNotebook> live;
        try {
            live = rooms.live(notebookId, CLOSING_WAIT);
        } catch (IllegalStateException closedMeanwhile) {
            // the room was evicted between finding it and reading it: its file is being finished
            live = rooms.live(notebookId, CLOSING_WAIT);
        }
        if (live.isPresent()) {
            return state(notebookId, live.get().snapshot(), PoolResponse.NotebookState.Source.LIVE_ROOM,
                    live.get().kernel().orElse(null));
        }
        return fromFile(notebookId, NotebookDocFiles.fileFor(rooms.docsDir(), notebookId));
    }

    private static PoolResponse fromFile(String notebookId, Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return notFound(file);
        } catch (IOException e) {
            if (!Files.exists(file)) {
                return notFound(file);
            }
            return new PoolResponse.Error("Failed to read persisted file: " + ioMessage(e));
        }
        Document doc;
        try {
            // as the room would load it: a torn last append (a killed daemon) is cut off in memory
            doc = DocumentStore.load(bytes).doc();
        } catch (DocumentDecodeException e) {
            return new PoolResponse.Error("Failed to parse Automerge doc: " + e.getMessage());
        }
        try {
            return state(notebookId, NotebookDoc.snapshot(doc), PoolResponse.NotebookState.Source.PERSISTED_FILE, null);
        } finally {
            NativeHandles.free(doc);
        }
    }

    private static PoolResponse notFound(Path file) {
        return new PoolResponse.Error("Notebook not found: no active room and no persisted file at "
                + debugQuoted(file.toString()));
    }

    /** The request's id, as the reference answers with the id it was asked for. */
    private static PoolResponse state(String notebookId, NotebookSnapshot snapshot,
                                      PoolResponse.NotebookState.Source source, NotebookKernelInfo kernel) {
        List<CellSnapshot> cells = snapshot.cells().stream().map(NotebookInspector::cell).toList();
        return new PoolResponse.NotebookState(notebookId, cells, source, kernel);
    }

    private static CellSnapshot cell(NotebookCell c) {
        return new CellSnapshot(c.id(), c.cellType(), c.source(), c.executionCount(), c.outputs());
    }

    /** An I/O failure's reason; Java names only the path for some, so say what kind it was. */
    private static String ioMessage(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "Permission denied: " + e.getMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Rust's {@code {:?}} of a path (on Unix, that of its string): double quotes around it, and
     * {@code \\}, {@code "}, {@code \t}, {@code \r}, {@code \n}, {@code \0} and other control
     * characters escaped as Rust's {@code str::escape_debug} does.
     */
    static String debugQuoted(String text) {
        StringBuilder b = new StringBuilder(text.length() + 2).append('"');
        text.codePoints().forEach(cp -> {
            switch (cp) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case '\n' -> b.append("\\n");
                case 0 -> b.append("\\0");
                default -> {
                    if (Character.isISOControl(cp)) {
                        b.append("\\u{").append(Integer.toHexString(cp)).append('}');
                    } else {
                        b.appendCodePoint(cp);
                    }
                }
            }
        });
        return b.append('"').toString();
    }
}
