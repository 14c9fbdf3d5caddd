package io.runtimed.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * picocli command models built in code, not from annotations (issue 16): picocli reads annotations
 * through reflection and a dynamic proxy per annotation type, none of which the class-data archive
 * can hold, and that cost a one-shot command more than its own work. What these build prints the
 * same help as the annotations did ({@code mixinStandardHelpOptions}'s options word for word).
 */
public final class CommandSpecs {
    private CommandSpecs() {
    }

    /** A command that runs {@code action} (its exit status), with {@code -h}/{@code --help} and {@code -V}/{@code --version}. */
    public static CommandSpec command(String name, Callable<Integer> action, String... description) {
        return withStandardHelp(CommandSpec.wrapWithoutInspection(action, DeferredFactory.INSTANCE).name(name), description);
    }

    /** Adds {@code child} under its own name (with the factory that makes nothing until asked). */
    public static void addSubcommand(CommandSpec parent, CommandSpec child) {
        parent.addSubcommand(child.name(), new CommandLine(child, DeferredFactory.INSTANCE));
    }

    /** A command that only groups subcommands: run alone, picocli reports the missing subcommand. */
    public static CommandSpec group(String name, String... description) {
        return withStandardHelp(CommandSpec.wrapWithoutInspection(null, DeferredFactory.INSTANCE).name(name), description);
    }

    /** {@code spec} printing {@code provider}'s lines for {@code --version}. */
    public static CommandSpec versioned(CommandSpec spec, IVersionProvider provider) {
        spec.versionProvider(provider);
        return spec;
    }

    /** A boolean option such as {@code --json}: false unless given. */
    public static OptionSpec flag(String name, String description) {
        return OptionSpec.builder(name).type(boolean.class).arity("0").initialValue(false).hasInitialValue(true)
                .description(description).build();
    }

    /** The value of {@code flag} after parsing. */
    public static boolean isSet(OptionSpec flag) {
        return Boolean.TRUE.equals(flag.getValue());
    }

    private static CommandSpec withStandardHelp(CommandSpec spec, String... description) {
        spec.usageMessage().description(description);
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help message and exit.").build());
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());
        return spec;
    }
}
