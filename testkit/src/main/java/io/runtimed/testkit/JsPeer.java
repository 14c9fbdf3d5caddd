package io.runtimed.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.protocol.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * One JS peer ({@code interop/js/driver.mjs}, the npm {@code @automerge/automerge} the original
 * app's windows use) in its own node process. Commands go to its stdin as JSON lines; its events
 * come back on stdout, and this class keeps what they say: whether the peer is settled and on
 * which heads, which of its changes the daemon has acknowledged, whether it is connected.
 */
public final class JsPeer implements AutoCloseable {
    /**
     * The directory of driver.mjs and its node_modules: the system property {@code runtimed.interop.js}
     * (the interop pom sets it), else {@code interop/js} in the nearest directory at or above the
     * working directory that has one (the repository root).
     */
    public static final Path JS_DIR = findJsDir();
    public static final String MISSING_NODE = "interop tests need Node.js >= 18 and npm: install the Debian packages"
            + " nodejs npm (sudo apt-get install nodejs npm, or run bin/test)";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(3);

    private final String name;
    private final Process process;
    private final Writer stdin;
    private final Path stderrFile;
    private final AtomicLong seq = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> replies = new ConcurrentHashMap<>();
    private final Thread reader;
    private ObjectNode connectCommand;
    private String room = "(not connected)";

    // guarded by this
    private boolean connected;
    private boolean settled;
    private List<String> settledHeads = List.of();
    private final Set<String> acked = new LinkedHashSet<>();
    private String lastDisconnect;
    private volatile java.util.function.Consumer<String> ackListener = id -> { };
    private int disconnects;

    private static Path findJsDir() {
        String property = System.getProperty("runtimed.interop.js");
        if (property != null) {
            return Path.of(property).toAbsolutePath();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("interop/js/driver.mjs"))) {
                return dir.resolve("interop/js");
            }
        }
        return Path.of("interop/js").toAbsolutePath(); // not found: start() says what is missing
    }

    private JsPeer(String name, Process process, Path stderrFile) {
        this.name = name;
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.stderrFile = stderrFile;
        this.reader = new Thread(this::readEvents, "js-peer-" + name);
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Fails with one line when the JS peers' node_modules is missing. */
    public static void requireInstalled() {
        if (!Files.isDirectory(JS_DIR.resolve("node_modules/@automerge/automerge"))) {
            throw new IllegalStateException(JS_DIR.resolve("node_modules") + " is missing: run interop/js/install.sh");
        }
    }

    /** Starts {@code node driver.mjs}; its stderr goes to {@code logDir/<name>.stderr}. */
    public static JsPeer start(String name, Path logDir) {
        requireInstalled();
        Path stderr = logDir.resolve(name + ".stderr");
        ProcessBuilder pb = new ProcessBuilder("node", JS_DIR.resolve("driver.mjs").toString())
                .directory(JS_DIR.toFile())
                .redirectError(stderr.toFile());
        try {
            return new JsPeer(name, pb.start(), stderr);
        } catch (IOException e) {
            throw new IllegalStateException(MISSING_NODE + " (" + e.getMessage() + ")", e);
        }
    }

    public String name() {
        return name;
    }

    // ---- connecting ----

    /** Joins a notebook room and waits until the initial sync has settled (never edit before it). */
    public JsPeer joinNotebook(Path socket, String notebookId, Duration timeout) {
        ObjectNode handshake = Json.MAPPER.createObjectNode().put("channel", "notebook_sync").put("notebook_id", notebookId);
        return join(socket, handshake, "notebook room " + notebookId, timeout);
    }

    /** Joins the settings document and waits until the initial sync has settled. */
    public JsPeer joinSettings(Path socket, Duration timeout) {
        return join(socket, Json.MAPPER.createObjectNode().put("channel", "settings_sync"), "the settings document", timeout);
    }

    private JsPeer join(Path socket, ObjectNode handshake, String room, Duration timeout) {
        this.room = room;
        this.connectCommand = command("connect");
        connectCommand.put("socket", socket.toString()).set("handshake", handshake);
        reconnect();
        awaitSettled(timeout);
        return this;
    }

    /** Connects again, with a fresh sync state and the same document (after a daemon restart). */
    public void reconnect() {
        ObjectNode again = connectCommand.deepCopy();
        again.put("seq", seq.incrementAndGet());
        call(again);
        synchronized (this) {
            connected = true;
        }
    }

    // ---- commands ----

    /** A command object with its sequence number, to fill in and {@link #send}. */
    public ObjectNode command(String cmd) {
        return Json.MAPPER.createObjectNode().put("cmd", cmd).put("seq", seq.incrementAndGet());
    }

    /** Sends a command without waiting; the future completes with its "done" event. */
    public CompletableFuture<JsonNode> send(ObjectNode command) {
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        replies.put(command.get("seq").asLong(), reply);
        try {
            synchronized (stdin) {
                stdin.write(Json.MAPPER.writeValueAsString(command));
                stdin.write('\n');
                stdin.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("JS peer " + name + " no longer takes commands" + stderrTail(), e);
        }
        return reply;
    }

    /** Sends a command and waits for its "done" event. */
    public JsonNode call(ObjectNode command) {
        return await(send(command), COMMAND_TIMEOUT, command.get("cmd").asText());
    }

    private JsonNode await(CompletableFuture<JsonNode> reply, Duration timeout, String what) {
        try {
            return reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("JS peer " + name + ": no answer to " + what + " within " + timeout.toSeconds()
                    + " s" + stderrTail());
        } catch (ExecutionException e) {
            throw new AssertionError("JS peer " + name + ": " + what + " failed: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Adds cells at the end in ONE change, sent at once; waits only until it has been sent. */
    public CompletableFuture<JsonNode> addCells(List<Cells.Cell> cells) {
        ObjectNode c = command("add_cells");
        var array = c.putArray("cells");
        cells.forEach(cell -> array.addObject().put("id", cell.id()).put("source", cell.source()));
        return send(c);
    }

    /** Types {@code text} at the end of a cell's source, one change per character (ids {@code idPrefix0, 1, ...}). */
    public CompletableFuture<JsonNode> type(String cellId, String text, String idPrefix) {
        return send(command("type").put("cell", cellId).put("text", text).put("id", idPrefix));
    }

    /** One splice of a cell's source, in code points. */
    public CompletableFuture<JsonNode> splice(String cellId, int index, int delete, String text, String id) {
        return send(command("splice").put("cell", cellId).put("index", index).put("delete", delete)
                .put("text", text).put("id", id));
    }

    /** A settings put (SETTINGS.md §3), acknowledged as {@code id}. */
    public CompletableFuture<JsonNode> set(String key, String value, String id) {
        return send(command("set").put("key", key).put("value", value).put("id", id));
    }

    /** A settings put_list (SETTINGS.md §3), acknowledged as {@code id}. */
    public CompletableFuture<JsonNode> setList(String key, List<String> values, String id) {
        ObjectNode c = command("set_list").put("key", key).put("id", id);
        values.forEach(c.putArray("values")::add);
        return send(c);
    }

    /** The replica as the notebook snapshot JSON ({@code notebook_id}, {@code cells}, {@code metadata}). */
    public JsonNode notebook() {
        return call(command("notebook")).get("notebook");
    }

    /** The raw settings document as JSON. */
    public JsonNode settings() {
        return call(command("settings")).get("settings");
    }

    // ---- state ----

    /** Called with each id the daemon acknowledges, on the thread reading the peer's events. */
    public void onAcked(java.util.function.Consumer<String> listener) {
        ackListener = listener;
    }

    /** Settled, and every command sent has been carried out. */
    public synchronized boolean isSettled() {
        return settled && replies.isEmpty();
    }

    public synchronized List<String> settledHeads() {
        return settledHeads;
    }

    public synchronized Set<String> acked() {
        return new LinkedHashSet<>(acked);
    }

    public synchronized boolean isConnected() {
        return connected;
    }

    public synchronized int disconnects() {
        return disconnects;
    }

    public void awaitSettled(Duration timeout) {
        Deadline.await(room + ": JS peer " + name + " did not settle", timeout, this::isSettled, this::describe);
    }

    public void awaitDisconnected(int count, Duration timeout) {
        Deadline.await(room + ": JS peer " + name + " was not disconnected", timeout,
                () -> disconnects() >= count, this::describe);
    }

    /** Waits until the daemon has acknowledged at least {@code n} changes of this peer. */
    public void awaitAcked(int n, Duration timeout) {
        Deadline.await(room + ": JS peer " + name + " did not get " + n + " changes acknowledged", timeout,
                () -> acked().size() >= n, this::describe);
    }

    /** Waits until every peer is settled on the same heads as every other. */
    public static void awaitConverged(String room, Duration timeout, List<JsPeer> peers) {
        Deadline.await("room " + room + ": the JS peers did not settle on the same heads", timeout,
                () -> peers.stream().allMatch(JsPeer::isSettled)
                        && peers.stream().map(JsPeer::settledHeads).distinct().count() == 1,
                () -> peers.stream().map(JsPeer::describe).collect(Collectors.joining("\n")));
    }

    /**
     * Where this peer stands, for failure messages: its own heads, the heads the daemon last
     * announced to it, and what is still unacknowledged.
     */
    public String describe() {
        StringBuilder s = new StringBuilder("  JS peer ").append(name).append(" in ").append(room).append(": ");
        try {
            JsonNode st = await(send(command("status")), STATUS_TIMEOUT, "status");
            List<String> unacked = new ArrayList<>();
            st.get("unacked").forEach(id -> unacked.add(id.asText()));
            s.append(st.get("connected").asBoolean() ? "connected" : "disconnected")
                    .append(", settled ").append(isSettled())
                    .append(", heads ").append(st.get("heads"))
                    .append(", the daemon last announced ").append(st.get("daemon_heads"))
                    .append(", ").append(unacked.size()).append(" ids unacknowledged");
            if (!unacked.isEmpty()) {
                s.append(" (").append(String.join(", ", unacked.subList(0, Math.min(5, unacked.size()))))
                        .append(unacked.size() > 5 ? ", ..." : "").append(")");
            }
        } catch (AssertionError e) {
            s.append(e.getMessage()).append("; last settled on ").append(settledHeads());
        }
        synchronized (this) {
            s.append("; ").append(acked.size()).append(" ids acknowledged, ").append(disconnects).append(" disconnects");
            if (lastDisconnect != null) {
                s.append(" (last: ").append(lastDisconnect).append(")");
            }
        }
        return s.toString();
    }

    // ---- events ----

    private void readEvents() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                handle(Json.MAPPER.readTree(line));
            }
        } catch (IOException e) {
            // the process ended; pending commands fail below
        }
        String why = "JS peer " + name + " exited" + stderrTail();
        replies.values().forEach(r -> r.completeExceptionally(new IllegalStateException(why)));
        replies.clear();
    }

    private void handle(JsonNode event) {
        switch (event.get("event").asText()) {
            case "done" -> complete(event, null);
            case "failed" -> complete(event, event.get("message").asText());
            case "settled" -> {
                List<String> heads = new ArrayList<>();
                event.get("heads").forEach(h -> heads.add(h.asText()));
                synchronized (this) {
                    settled = true;
                    settledHeads = List.copyOf(heads);
                }
            }
            case "unsettled" -> {
                synchronized (this) {
                    settled = false;
                }
            }
            case "acked" -> {
                synchronized (this) {
                    event.get("ids").forEach(id -> acked.add(id.asText()));
                }
                event.get("ids").forEach(id -> ackListener.accept(id.asText()));
            }
            case "disconnected" -> {
                synchronized (this) {
                    connected = false;
                    settled = false;
                    disconnects++;
                    lastDisconnect = event.get("reason").asText();
                }
            }
            default -> throw new IllegalStateException("JS peer " + name + ": unknown event " + event);
        }
    }

    private void complete(JsonNode event, String failure) {
        CompletableFuture<JsonNode> reply = replies.remove(event.get("seq").asLong());
        if (reply == null) {
            return;
        }
        if (failure == null) {
            reply.complete(event);
        } else {
            reply.completeExceptionally(new IllegalStateException(failure));
        }
    }

    private String stderrTail() {
        try {
            String err = Files.exists(stderrFile) ? Files.readString(stderrFile, StandardCharsets.UTF_8) : "";
            return err.isBlank() ? "" : "\nnode stderr:\n" + err.substring(Math.max(0, err.length() - 2000));
        } catch (IOException e) {
            return "";
        }
    }

    /** Ends the node process (its connection closes with it). */
    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "JS peer " + name;
    }
}
