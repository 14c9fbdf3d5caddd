package io.runtimed.cli.runt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.runtimed.cli.CommandSpecs;
import io.runtimed.client.DaemonClientException;
import io.runtimed.client.SettingsClient;
import io.runtimed.protocol.Json;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code runt settings …}: the synced settings document through a live settings session on the
 * default socket (SETTINGS.md §9). Every command reports state in the form {@code runt settings
 * list --json} prints (settings.json's shape), and fails with one line and exit status 1 when no
 * daemon answers.
 */
final class SettingsCommand {
    /** How long {@code set} waits for the daemon to acknowledge (and so persist) the change. */
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(5);
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final CommandSpec spec;

    private SettingsCommand(CommandSpec spec) {
        this.spec = spec;
    }

    /** The {@code settings} command and its subcommands (help lists them in this order). */
    static CommandSpec spec() {
        CommandSpec spec = CommandSpecs.group("settings", "Read, change and watch the settings every notebook window shares.");
        SettingsCommand settings = new SettingsCommand(spec);
        PositionalParamSpec getKey = PositionalParamSpec.builder().arity("1").required(true).paramLabel("KEY").type(String.class).build();
        OptionSpec getJson = CommandSpecs.flag("--json", "print the value as JSON");
        CommandSpecs.addSubcommand(spec, CommandSpecs.command("get",
                () -> settings.get(getKey.getValue(), CommandSpecs.isSet(getJson)),
                "Show one setting, e.g. theme or uv.default_packages (lists: one item per line).")
                .addPositional(getKey).addOption(getJson));
        OptionSpec listJson = CommandSpecs.flag("--json", "print settings.json's JSON");
        CommandSpecs.addSubcommand(spec, CommandSpecs.command("list", () -> settings.list(CommandSpecs.isSet(listJson)),
                "Show every setting.").addOption(listJson));
        PositionalParamSpec setKey = PositionalParamSpec.builder().index("0").arity("1").required(true).paramLabel("KEY").type(String.class).build();
        PositionalParamSpec setValue = PositionalParamSpec.builder().index("1").arity("1").required(true).paramLabel("VALUE").type(String.class)
                .description("a string, or a JSON array of strings (the key must then be dotted)").build();
        OptionSpec setJson = CommandSpecs.flag("--json", "print the stored value as JSON");
        CommandSpecs.addSubcommand(spec, CommandSpecs.command("set",
                () -> settings.set(setKey.getValue(), setValue.getValue(), CommandSpecs.isSet(setJson)),
                "Change one setting and wait until the daemon has it.",
                "A JSON array sets a list: runt settings set uv.default_packages '[\"numpy\",\"pandas\"]'")
                .addPositional(setKey).addPositional(setValue).addOption(setJson));
        OptionSpec watchJson = CommandSpecs.flag("--json", "one compact JSON object per line");
        OptionSpec count = OptionSpec.builder("--count").paramLabel("N").type(Integer.class)
                .description("stop after N changes (default: run until interrupted)").build();
        CommandSpecs.addSubcommand(spec, CommandSpecs.command("watch",
                () -> settings.watch(CommandSpecs.isSet(watchJson), count.getValue()),
                "Print the settings, then again after every change, until the daemon goes away.")
                .addOption(watchJson).addOption(count));
        return spec;
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Opens a session, or prints why not (one line) and returns null. */
    private SettingsClient connect() {
        try {
            return SettingsClient.forDefaultSocket();
        } catch (DaemonClientException e) {
            err().println(e.kind() == DaemonClientException.Kind.NOT_REACHABLE
                    ? "Daemon not running: " + e.getMessage()
                    : "Failed to sync settings: " + e.getMessage());
            return null;
        }
    }

    int list(boolean json) {
        SettingsClient client = connect();
        if (client == null) {
            return 1;
        }
        try (client) {
            ObjectNode all = client.getAllJson();
            if (json) {
                out().println(Json.pretty(all));
            } else {
                out().print(humanList(all));
                out().flush();
            }
            return 0;
        }
    }

    int get(String key, boolean json) {
        SettingsClient client = connect();
        if (client == null) {
            return 1;
        }
        try (client) {
            Optional<JsonNode> value = lookup(client, key);
            if (value.isEmpty()) {
                err().println("No setting named " + key);
                return 1;
            }
            if (json) {
                out().println(Json.pretty(value.get()));
            } else if (value.get().isArray()) {
                value.get().forEach(e -> out().println(e.asText()));
            } else {
                out().println(value.get().asText());
            }
            return 0;
        }
    }

    int set(String key, String raw, boolean json) {
        JsonNode value;
        try {
            value = parseValue(key, raw);
        } catch (IllegalArgumentException e) {
            err().println("Invalid value: " + e.getMessage());
            return 2;
        }
        SettingsClient client = connect();
        if (client == null) {
            return 1;
        }
        try (client) {
            client.setValue(key, value);
            if (!client.awaitSynced(ACK_TIMEOUT)) {
                err().println("Failed to set " + key + ": the daemon did not acknowledge the change within "
                        + ACK_TIMEOUT.toSeconds() + " s");
                return 1;
            }
            if (json) {
                ObjectNode node = JsonNodeFactory.instance.objectNode();
                node.put("key", key);
                node.set("value", value);
                out().println(Json.pretty(node));
            } else {
                out().println(key + " = " + (value.isArray() ? joined(value) : value.asText()));
            }
            return 0;
        } catch (DaemonClientException e) {
            err().println("Failed to set " + key + ": " + e.getMessage());
            return 1;
        }
    }

    int watch(boolean json, Integer count) {
        SettingsClient client = connect();
        if (client == null) {
            return 1;
        }
        try (client) {
            CountDownLatch done = new CountDownLatch(1);
            AtomicInteger seen = new AtomicInteger();
            Runnable print = () -> {
                ObjectNode all = client.getAllJson();
                if (json) {
                    out().println(new String(Json.compact(all), StandardCharsets.UTF_8));
                } else {
                    out().println("[" + LocalTime.now().format(CLOCK) + "] " + humanLine(all));
                }
                out().flush();
            };
            print.run();
            if (count != null && count <= 0) {
                return 0;
            }
            AutoCloseable subscription = client.subscribe(settings -> {
                print.run();
                if (count != null && seen.incrementAndGet() >= count) {
                    done.countDown();
                }
            });
            // returns once the wanted number of changes arrived; throws when the daemon goes away
            client.waitUntil(() -> done.getCount() == 0, null);
            subscription.close();
            return 0;
        } catch (DaemonClientException e) {
            err().println(e.getMessage());
            return 1;
        } catch (Exception e) {
            err().println("Failed to watch settings: " + e.getMessage());
            return 1;
        }
    }

    /** The value {@code get} shows: §2 normalised values for the spec's five keys, the stored value otherwise. */
    static Optional<JsonNode> lookup(SettingsClient client, String key) {
        ObjectNode all = client.getAllJson();
        int dot = key.indexOf('.');
        JsonNode node = dot < 0 ? all.get(key) : all.path(key.substring(0, dot)).get(key.substring(dot + 1));
        if (node != null) {
            return Optional.of(node);
        }
        Optional<String> raw = client.get(key);
        if (raw.isPresent()) {
            return Optional.of(TextNode.valueOf(raw.get()));
        }
        return client.getList(key).map(list -> {
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            list.forEach(a::add);
            return a;
        });
    }

    /**
     * A command-line value: a JSON array of strings is a list (dotted keys only), a JSON string
     * literal is its text, and anything else is taken as the string it is.
     */
    static JsonNode parseValue(String key, String raw) {
        String t = raw.strip();
        if (t.startsWith("[")) {
            JsonNode node;
            try {
                node = Json.MAPPER.readTree(t);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("not a JSON array of strings: " + raw);
            }
            if (!node.isArray()) {
                throw new IllegalArgumentException("not a JSON array of strings: " + raw);
            }
            for (JsonNode e : node) {
                if (!e.isTextual()) {
                    throw new IllegalArgumentException("list items must be strings: " + raw);
                }
            }
            if (key.indexOf('.') < 0) {
                throw new IllegalArgumentException("list key must be dotted (e.g. uv.default_packages)");
            }
            return node;
        }
        if (t.startsWith("\"")) {
            try {
                JsonNode node = Json.MAPPER.readTree(t);
                if (node.isTextual()) {
                    return node;
                }
            } catch (JsonProcessingException e) {
                // not a JSON string literal: the text as it is
            }
        }
        return TextNode.valueOf(raw);
    }

    /** {@code list}'s human form: one aligned {@code key  value} line per setting, lists comma-joined. */
    static String humanList(ObjectNode all) {
        List<String[]> rows = rows(all, ", ");
        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            b.append(r[0]);
            if (!r[1].isEmpty()) {
                b.append(" ".repeat(width - r[0].length() + 2)).append(r[1]);
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** {@code watch}'s human form: every setting on one line, {@code key=value}, lists comma-joined. */
    static String humanLine(ObjectNode all) {
        List<String> parts = new ArrayList<>();
        for (String[] r : rows(all, ",")) {
            parts.add(r[0] + "=" + (r[1].isEmpty() ? "[]" : r[1]));
        }
        return String.join(" ", parts);
    }

    private static List<String[]> rows(ObjectNode all, String separator) {
        List<String[]> rows = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : all.properties()) {
            if (e.getValue().isObject()) {
                for (Map.Entry<String, JsonNode> sub : e.getValue().properties()) {
                    rows.add(new String[] {e.getKey() + "." + sub.getKey(), text(sub.getValue(), separator)});
                }
            } else {
                rows.add(new String[] {e.getKey(), text(e.getValue(), separator)});
            }
        }
        return rows;
    }

    private static String text(JsonNode v, String separator) {
        return v.isArray() ? joined(v, separator) : v.asText();
    }

    private static String joined(JsonNode array) {
        return joined(array, ", ");
    }

    private static String joined(JsonNode array, String separator) {
        List<String> items = new ArrayList<>();
        array.forEach(e -> items.add(e.asText()));
        return String.join(separator, items);
    }
}
