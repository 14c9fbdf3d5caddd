package io.runtimed.cli.runt;

import io.runtimed.cli.CommandSpecs;
import io.runtimed.cli.LazySubcommands;
import io.runtimed.cli.LazySubcommands.Subcommand;
import io.runtimed.cli.VersionProvider;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/**
 * CLI.md: {@code runt}; its {@code pool}, {@code settings}, {@code notebook}, {@code kernel},
 * {@code exec} and {@code inspect} commands talk to runtimed.
 */
public final class RuntCommand {
    /** The subcommands, in the order help lists them; each is built only when the arguments need it. */
    public static final LazySubcommands TREE = new LazySubcommands(RuntCommand::spec, List.of(
            new Subcommand("pool", PoolCommand::spec), new Subcommand("settings", SettingsCommand::spec),
            new Subcommand("notebook", NotebookCommand::spec), new Subcommand("kernel", KernelCommand::new),
            new Subcommand("exec", ExecCommand::new), new Subcommand("inspect", InspectCommand::new)));

    private CommandSpec spec;

    private RuntCommand() {
    }

    /** {@code runt} itself. */
    static CommandSpec spec() {
        RuntCommand runt = new RuntCommand();
        runt.spec = CommandSpecs.versioned(CommandSpecs.command("runt", runt::alone, "Notebook runtime tools."),
                new VersionProvider.Runt());
        return runt.spec;
    }

    /** {@code runt} with no command. */
    private int alone() {
        spec.commandLine().getOut().println("No command specified. Use --help for usage information.");
        return 0;
    }
}
