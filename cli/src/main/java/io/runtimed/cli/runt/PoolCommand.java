package io.runtimed.cli.runt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimed.cli.CommandSpecs;
import io.runtimed.cli.PoolErrorText;
import io.runtimed.cli.RuntimesSection;
import io.runtimed.client.DaemonClientException;
import io.runtimed.client.PoolClient;
import io.runtimed.paths.RuntPaths;
import io.runtimed.protocol.DaemonInfo;
import io.runtimed.protocol.DaemonInfoFile;
import io.runtimed.protocol.EnvType;
import io.runtimed.protocol.Json;
import io.runtimed.protocol.PoolError;
import io.runtimed.protocol.PoolStats;
import io.runtimed.protocol.PooledEnv;
import io.runtimed.runtimes.RuntimeDetector;
import io.runtimed.runtimes.RuntimeInventory;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** CLI.md §1: {@code runt pool …}, one connection per request to the default socket. */
final class PoolCommand {
    private final CommandSpec spec;

    private PoolCommand(CommandSpec spec) {
        this.spec = spec;
    }

    /** The {@code pool} command and its subcommands (help lists them in this order). */
    static CommandSpec spec() {
        CommandSpec spec = CommandSpecs.group("pool", "Talk to the runtimed environment pool.");
        PoolCommand pool = new PoolCommand(spec);
        CommandSpecs.addSubcommand(spec, CommandSpecs.command("flush", pool::flush,
                "Delete ready environments so they are rebuilt."));
        OptionSpec infoJson = CommandSpecs.flag("--json", "print JSON");
        CommandSpecs.addSubcommand(spec, CommandSpecs.command("info", () -> pool.info(CommandSpecs.isSet(infoJson)),
                "Show daemon.json, whether its daemon answers, and the runtimes usable here.").addOption(infoJson));
        CommandSpecs.addSubcommand(spec, CommandSpecs.command("ping", pool::ping, "Check that the daemon answers."));
        CommandSpecs.addSubcommand(spec, CommandSpecs.command("shutdown", pool::shutdown, "Ask the daemon to stop."));
        OptionSpec statusJson = CommandSpecs.flag("--json", "print JSON");
        CommandSpecs.addSubcommand(spec, CommandSpecs.command("status", () -> pool.status(CommandSpecs.isSet(statusJson)),
                "Show pool statistics.").addOption(statusJson));
        PositionalParamSpec envType = PositionalParamSpec.builder().arity("0..1").defaultValue("uv").paramLabel("ENV_TYPE")
                .type(String.class).description("uv or conda (default: uv)").build();
        CommandSpecs.addSubcommand(spec, CommandSpecs.command("take", () -> pool.take(envType.getValue()),
                "Take a ready environment from the pool.").addPositional(envType));
        return spec;
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }

    private static PoolClient client() {
        return PoolClient.forDefaultSocket();
    }

    int ping() {
        try {
            client().ping();
        } catch (DaemonClientException e) {
            err().println("Daemon not running: " + e.getMessage());
            return 1;
        }
        out().println("pong");
        return 0;
    }

    int status(boolean json) {
        PoolStats s;
        try {
            s = client().status();
        } catch (DaemonClientException e) {
            err().println("Failed to get status: " + e.getMessage());
            return 1;
        }
        if (json) {
            out().println(Json.pretty(s));
        } else {
            out().print("Pool Daemon Status\n==================\n"
                    + "UV environments:\n" + poolBlock(s.uvAvailable(), s.uvWarming(), s.uvBackend(), s.uvError())
                    + "Conda environments:\n" + poolBlock(s.condaAvailable(), s.condaWarming(), s.condaBackend(), s.condaError()));
            out().flush();
        }
        return 0;
    }

    /**
     * CLI.md §2's lines, then (from daemons that report them) which backend builds the pool and
     * its last build error, so a user sees why a pool stays empty.
     */
    static String poolBlock(int available, int warming, String backend, PoolError error) {
        StringBuilder b = new StringBuilder();
        b.append("  Available: ").append(available).append('\n');
        b.append("  Warming:   ").append(warming).append('\n');
        if (backend != null) {
            b.append("  Backend:   ").append(backend).append('\n');
        }
        if (error != null) {
            b.append("  Last error: ").append(error.message()).append(" (").append(PoolErrorText.details(error)).append(")\n");
        }
        return b.toString();
    }

    /**
     * CLI.md §3, then the runtimes usable from this shell (issue 7 item 4): a "Runtimes:" block, and
     * a {@code runtimes} key after {@code alive} with {@code --json}. Without a daemon.json it still
     * prints only its one error line; {@code runtimed status} shows the runtimes in any case.
     */
    int info(boolean json) {
        Optional<DaemonInfo> read = new DaemonInfoFile(RuntPaths.current().infoFile()).read();
        if (read.isEmpty()) {
            err().println("Daemon not running (no daemon.json found)");
            return 1;
        }
        DaemonInfo info = read.get();
        boolean alive;
        try {
            new PoolClient(Path.of(info.endpoint())).ping();
            alive = true;
        } catch (DaemonClientException e) {
            alive = false;
        }
        RuntimeInventory runtimes = RuntimeDetector.forEnvironment(System.getenv(), RuntPaths.current().runtimeProbes()).detect();
        if (json) {
            ObjectNode node = Json.MAPPER.valueToTree(info);
            node.put("alive", alive);
            node.set("runtimes", Json.MAPPER.valueToTree(runtimes));
            out().println(Json.pretty(node));
        } else {
            StringBuilder b = new StringBuilder("Pool Daemon Info\n================\n");
            if (!alive) {
                b.append("Status:     STALE (daemon not responding)\n");
            }
            b.append("PID:        ").append(info.pid()).append('\n');
            b.append("Version:    ").append(info.version()).append('\n');
            b.append("Socket:     ").append(info.endpoint()).append('\n');
            info.blobPortIfRunning().ifPresent(port -> {
                b.append("Blob port:  ").append(port).append('\n');
                b.append("Blob URL:   http://127.0.0.1:").append(port).append("/blob/{hash}\n");
            });
            b.append("Started:    ").append(info.startedAtHuman()).append('\n');
            b.append("Uptime:     ").append(Uptime.format(Duration.between(info.startedAt(), Instant.now()))).append('\n');
            b.append('\n').append(RuntimesSection.text(runtimes));
            out().print(b);
            out().flush();
        }
        return alive ? 0 : 1;
    }

    int take(String envType) {
        Optional<EnvType> type = EnvType.parseLenient(envType);
        if (type.isEmpty()) {
            err().println("Invalid env_type: " + envType + ". Use 'uv' or 'conda'.");
            return 1;
        }
        Optional<PooledEnv> env;
        try {
            env = client().take(type.get());
        } catch (DaemonClientException e) {
            err().println("Failed to take environment: " + e.getMessage());
            return 1;
        }
        if (env.isEmpty()) {
            err().println("Pool empty for " + type.get());
            return 1;
        }
        out().println(Json.pretty(env.get()));
        return 0;
    }

    int flush() {
        try {
            client().flush();
        } catch (DaemonClientException e) {
            err().println("Failed to flush pool: " + e.getMessage());
            return 1;
        }
        out().println("Pool flushed \u2014 environments will be rebuilt");
        return 0;
    }

    int shutdown() {
        try {
            client().shutdown();
        } catch (DaemonClientException e) {
            err().println("Failed to shutdown: " + e.getMessage());
            return 1;
        }
        out().println("Shutdown request sent");
        return 0;
    }
}
