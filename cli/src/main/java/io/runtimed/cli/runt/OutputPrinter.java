package io.runtimed.cli.runt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.client.DaemonClientException;
import io.runtimed.client.OutputResolver;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Prints one cell's outputs to a terminal as the document's {@code outputs} list grows
 * (KERNELS.md §7): streams as text (stdout to stdout, stderr to stderr), execute_result and
 * display_data as their {@code text/plain}, errors as the traceback on stderr, ANSI kept only for
 * a terminal. The daemon rewrites the last stream output as more text comes (§7.3), so a changed
 * stream prints only what was added; a rewritten last line (a {@code \r} progress bar) is printed
 * again after a {@code \r}. Only outputs the caller has seen announced for this run are printed,
 * so the previous run's outputs, until the clear reaches the replica, never are. Not thread-safe:
 * one thread renders.
 */
final class OutputPrinter {
    private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;?]*[ -/]*[@-~]");

    private record Printed(String ref, String stream, String text) {
    }

    private final OutputResolver resolver;
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean ansi;
    private final List<Printed> printed = new ArrayList<>();
    private boolean outAtLineStart = true;
    private boolean errAtLineStart = true;
    private boolean sawError;

    OutputPrinter(OutputResolver resolver, PrintWriter out, PrintWriter err, boolean ansi) {
        this.resolver = resolver;
        this.out = out;
        this.err = err;
        this.ansi = ansi;
    }

    /** Whether an error output was printed. */
    boolean sawError() {
        return sawError;
    }

    /** Prints what {@code outputs} holds beyond what was printed; {@code announced} are this run's refs. */
    void render(List<String> outputs, Set<String> announced) throws DaemonClientException {
        if (outputs.size() < printed.size()) {
            // cleared (clear_output, or the clear before the run): later outputs print afresh
            printed.subList(outputs.size(), printed.size()).clear();
        }
        for (int i = 0; i < outputs.size(); i++) {
            String ref = outputs.get(i);
            if (i < printed.size()) {
                Printed before = printed.get(i);
                if (!before.ref().equals(ref) && announced.contains(ref)) {
                    printed.set(i, replace(before, resolver.resolve(ref), ref));
                }
                continue;
            }
            if (!announced.contains(ref)) {
                return; // in order: nothing after an output not (yet) known to be this run's
            }
            printed.add(print(resolver.resolve(ref), ref));
        }
        out.flush();
        err.flush();
    }

    /** Ends an unterminated last line, so the shell prompt starts on its own line. */
    void finish() {
        if (!outAtLineStart) {
            out.println();
        }
        if (!errAtLineStart) {
            err.println();
        }
        out.flush();
        err.flush();
    }

    private Printed print(ObjectNode o, String ref) {
        String type = o.path("output_type").asText();
        switch (type) {
            case "stream" -> {
                String name = o.path("name").asText("stdout");
                String text = multiline(o.path("text"));
                write(name.equals("stderr"), text);
                return new Printed(ref, name, text);
            }
            case "error" -> {
                sawError = true;
                List<String> lines = new ArrayList<>();
                for (JsonNode l : o.path("traceback")) {
                    lines.add(l.asText());
                }
                if (lines.isEmpty()) {
                    lines.add(o.path("ename").asText() + ": " + o.path("evalue").asText());
                }
                write(true, String.join("\n", lines) + "\n");
            }
            case "execute_result", "display_data", "update_display_data" -> write(false, plainText(o.path("data")) + "\n");
            default -> write(false, "[" + type + "]\n");
        }
        return new Printed(ref, null, null);
    }

    private Printed replace(Printed before, ObjectNode now, String ref) {
        if (before.stream() != null && "stream".equals(now.path("output_type").asText())
                && before.stream().equals(now.path("name").asText("stdout"))) {
            String text = multiline(now.path("text"));
            boolean toErr = before.stream().equals("stderr");
            String old = before.text();
            int common = commonPrefix(old, text);
            if (common == old.length()) {
                write(toErr, text.substring(common));
            } else if (old.indexOf('\n', common) < 0) {
                // only the last line changed (a progress bar): print that line again over itself
                int lineStart = old.lastIndexOf('\n', common - 1) + 1;
                write(toErr, "\r" + text.substring(lineStart));
            } else {
                write(toErr, text.substring(common));
            }
            return new Printed(ref, before.stream(), text);
        }
        // a display updated in place, or another output at this index: show the new one too
        return print(now, ref);
    }

    private void write(boolean toErr, String text) {
        if (text.isEmpty()) {
            return;
        }
        String shown = ansi ? text : ANSI.matcher(text).replaceAll("");
        if (toErr) {
            err.print(shown);
            errAtLineStart = shown.endsWith("\n");
        } else {
            out.print(shown);
            outAtLineStart = shown.endsWith("\n");
        }
    }

    /** nbformat's multiline text: a string, or a list of lines to concatenate. */
    static String multiline(JsonNode text) {
        if (text.isArray()) {
            StringBuilder b = new StringBuilder();
            text.forEach(l -> b.append(l.asText()));
            return b.toString();
        }
        return text.asText("");
    }

    /** A bundle's {@code text/plain}, else its media types. */
    static String plainText(JsonNode data) {
        JsonNode plain = data.get("text/plain");
        if (plain != null) {
            return multiline(plain);
        }
        List<String> mimes = new ArrayList<>();
        Iterator<String> it = data.fieldNames();
        it.forEachRemaining(mimes::add);
        return "[" + String.join(", ", mimes) + "]";
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }
}
