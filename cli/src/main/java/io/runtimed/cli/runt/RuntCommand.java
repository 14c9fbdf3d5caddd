package io.runtimed.cli.runt;

import io.runtimed.cli.LazySubcommands;
import io.runtimed.cli.LazySubcommands.Subcommand;
import io.runtimed.cli.VersionProvider;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * CLI.md: {@code runt}; its {@code pool}, {@code settings}, {@code notebook}, {@code kernel},
 * {@code exec} and {@code inspect} commands talk to runtimed.
 */
@Command(name = "runt", mixinStandardHelpOptions = true, versionProvider = VersionProvider.Runt.class,
        description = "Notebook runtime tools.")
public final class RuntCommand implements Callable<Integer> {
    /** The subcommands, in the order help lists them; each is built only when the arguments need it. */
    public static final LazySubcommands TREE = new LazySubcommands(RuntCommand::new, List.of(
            new Subcommand("pool", PoolCommand::new), new Subcommand("settings", SettingsCommand::new),
            new Subcommand("notebook", NotebookCommand::new), new Subcommand("kernel", KernelCommand::new),
            new Subcommand("exec", ExecCommand::new), new Subcommand("inspect", InspectCommand::new)));

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println("No command specified. Use --help for usage information.");
        return 0;
    }
}
