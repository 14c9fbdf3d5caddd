package io.runtimed.cli.runtimed;

import io.runtimed.cli.CommandSpecs;
import io.runtimed.cli.LazySubcommands;
import io.runtimed.cli.LazySubcommands.Subcommand;
import io.runtimed.cli.VersionProvider;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;

/**
 * DAEMON.md §8: {@code runtimed}; with no subcommand it runs the daemon with its defaults. The root,
 * {@code run}, {@code status} and {@code doctor} are built in code (issue 16: they must start fast);
 * the rarer commands keep their annotations.
 */
final class RuntimedCommand {
    /** The subcommands, in the order help lists them; each is built only when the arguments need it. */
    static final LazySubcommands TREE = new LazySubcommands(RuntimedCommand::spec, RuntimedCommand::specForSubcommand, List.of(
            new Subcommand("run", RunCommand::spec), new Subcommand("install", InstallCommand::new),
            new Subcommand("uninstall", UninstallCommand::new), new Subcommand("status", StatusCommand::spec),
            new Subcommand("start", StartCommand::new), new Subcommand("stop", StopCommand::new),
            new Subcommand("flush-pool", FlushPoolCommand::new), new Subcommand("blobs", BlobsCommand::new),
            new Subcommand("doctor", DoctorCommand::spec)));

    private static final String LOG_LEVEL = "--log-level";

    private RuntimedCommand() {
    }

    /** {@code runtimed} itself: the run options, {@code --log-level} for every subcommand, the version. */
    static CommandSpec spec() {
        RunOptions options = new RunOptions();
        CommandSpec[] self = new CommandSpec[1];
        self[0] = options.addTo(withLogLevel(() -> RunCommand.run(options, logLevel(self[0]), self[0].commandLine().getErr())));
        return self[0];
    }

    /**
     * The root under a named subcommand ({@code runtimed status}): {@code --log-level}, which the
     * subcommands inherit, without the run options, which only a bare {@code runtimed} uses. (Its
     * own action never runs: LazySubcommands takes this tree only when it parsed into the
     * subcommand.)
     */
    static CommandSpec specForSubcommand() {
        return withLogLevel(() -> {
            throw new IllegalStateException("runtimed's root without the run options ran alone");
        });
    }

    private static CommandSpec withLogLevel(java.util.concurrent.Callable<Integer> action) {
        CommandSpec[] self = new CommandSpec[1];
        self[0] = CommandSpecs.versioned(CommandSpecs.command("runtimed", action,
                "The per-user notebook daemon: environment pools, document sync and blob store."), new VersionProvider());
        self[0].addOption(OptionSpec.builder(LOG_LEVEL).paramLabel("LEVEL").type(String.class).scopeType(ScopeType.INHERIT)
                .defaultValue("info").description("trace, debug, info, warn or error (default: ${DEFAULT-VALUE}); "
                        + "RUNTIMED_LOG or RUST_LOG in the environment take precedence").build());
        return self[0];
    }

    /**
     * The {@code --log-level} in force for {@code command} (the root or a subcommand): picocli keeps an
     * inherited option's value where it was given, on the root or on the subcommand's copy.
     */
    static String logLevel(CommandSpec command) {
        for (CommandSpec c = command; c != null; c = c.parent()) {
            OptionSpec level = c.findOption(LOG_LEVEL);
            if (level != null && c.commandLine().getParseResult() != null
                    && c.commandLine().getParseResult().hasMatchedOption(LOG_LEVEL)) {
                return level.getValue();
            }
        }
        return "info";
    }
}
