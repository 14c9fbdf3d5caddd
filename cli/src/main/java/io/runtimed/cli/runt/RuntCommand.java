package io.runtimed.cli.runt;

import io.runtimed.cli.VersionProvider;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * CLI.md: {@code runt}; its {@code pool}, {@code settings}, {@code notebook}, {@code kernel},
 * {@code exec} and {@code inspect} commands talk to runtimed.
 */
@Command(name = "runt", mixinStandardHelpOptions = true, versionProvider = VersionProvider.Runt.class,
        description = "Notebook runtime tools.", subcommands = {PoolCommand.class, SettingsCommand.class, NotebookCommand.class,
                KernelCommand.class, ExecCommand.class, InspectCommand.class})
public final class RuntCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println("No command specified. Use --help for usage information.");
        return 0;
    }
}
