package io.runtimed.cli.runtimed;

import io.runtimed.cli.LazySubcommands;
import io.runtimed.cli.LazySubcommands.Subcommand;
import io.runtimed.cli.VersionProvider;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** DAEMON.md §8: {@code runtimed}; with no subcommand it runs the daemon with its defaults. */
@Command(name = "runtimed", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "The per-user notebook daemon: environment pools, document sync and blob store.")
final class RuntimedCommand implements Callable<Integer> {
    /** The subcommands, in the order help lists them; each is built only when the arguments need it. */
    static final LazySubcommands TREE = new LazySubcommands(RuntimedCommand::new, List.of(
            new Subcommand("run", RunCommand::new), new Subcommand("install", InstallCommand::new),
            new Subcommand("uninstall", UninstallCommand::new), new Subcommand("status", StatusCommand::new),
            new Subcommand("start", StartCommand::new), new Subcommand("stop", StopCommand::new),
            new Subcommand("flush-pool", FlushPoolCommand::new), new Subcommand("blobs", BlobsCommand::new),
            new Subcommand("doctor", DoctorCommand::new)));

    @Option(names = "--log-level", paramLabel = "LEVEL", scope = ScopeType.INHERIT, defaultValue = "info",
            description = "trace, debug, info, warn or error (default: ${DEFAULT-VALUE}); "
                    + "RUNTIMED_LOG or RUST_LOG in the environment take precedence")
    String logLevel = "info";

    @Spec
    CommandSpec spec;

    @Mixin
    RunOptions runOptions;

    @Override
    public Integer call() throws InterruptedException {
        return RunCommand.run(runOptions, logLevel, spec.commandLine().getErr());
    }
}
