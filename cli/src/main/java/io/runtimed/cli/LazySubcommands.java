package io.runtimed.cli;

import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * A root command's subcommands, added only when the arguments name them. picocli builds a command's
 * model by reflecting over its annotations (and makes a proxy per annotation), which costs more than
 * a one-shot command's own work: {@code runt pool ping} builds the {@code pool} tree alone, and the
 * daemon's {@code runtimed [options]} builds none. The result parses exactly as the full tree does,
 * else the full tree is used: help for the root, an unknown or misspelt command, and anything the
 * reduced tree would not parse the same way all go through the full tree.
 */
public final class LazySubcommands {
    static {
        // picocli registers a converter for each java.sql and java.time type it finds, initialising
        // those classes (java.time's formatters among them: ~10 ms of every command); no option of
        // ours has such a type. The user may still name other exclusions.
        if (System.getProperty("picocli.converters.excludes") == null) {
            System.setProperty("picocli.converters.excludes", "java\\.sql\\..*,java\\.time\\..*");
        }
    }

    /** One subcommand: its name (as its {@code @Command} says) and how to make its user object. */
    public record Subcommand(String name, Supplier<Object> factory) {
    }

    private final Supplier<Object> root;
    /** The root as a named subcommand needs it (without options only the root itself uses), or {@link #root}. */
    private final Supplier<Object> rootForSubcommand;
    private final List<Subcommand> subcommands;

    public LazySubcommands(Supplier<Object> root, List<Subcommand> subcommands) {
        this(root, root, subcommands);
    }

    /**
     * A tree whose root, when the arguments name a subcommand, is built by {@code rootForSubcommand}:
     * {@code runtimed status} needs none of the daemon's own options. Arguments that use one of them
     * anyway do not parse alike and get the full tree.
     */
    public LazySubcommands(Supplier<Object> root, Supplier<Object> rootForSubcommand, List<Subcommand> subcommands) {
        this.root = root;
        this.rootForSubcommand = rootForSubcommand;
        this.subcommands = List.copyOf(subcommands);
    }

    /** The subcommands, in the order help lists them. */
    public List<Subcommand> subcommands() {
        return subcommands;
    }

    /** The whole tree, every subcommand in its order. */
    public CommandLine full() {
        CommandLine cl = new CommandLine(root.get(), DeferredFactory.INSTANCE);
        subcommands.forEach(s -> cl.addSubcommand(s.name(), s.factory().get()));
        return cl;
    }

    /**
     * The tree {@code args} needs, set up by {@code setup} (streams and the like): the root with at
     * most the one subcommand named first in {@code args}, when that parses {@code args} to the same
     * command the full tree would; otherwise the full tree.
     */
    public CommandLine forArgs(String[] args, UnaryOperator<CommandLine> setup) {
        Subcommand named = firstNamed(args);
        CommandLine reduced = new CommandLine(named == null ? root.get() : rootForSubcommand.get(), DeferredFactory.INSTANCE);
        if (named != null) {
            reduced.addSubcommand(named.name(), named.factory().get());
        }
        // set up once the tree is complete: picocli hands streams down to the subcommands it has
        return setup.apply(parsesAlike(reduced, named, args) ? reduced : full());
    }

    /** The subcommand whose name is the first argument equal to any subcommand's name, or null. */
    private Subcommand firstNamed(String[] args) {
        for (String a : args) {
            for (Subcommand s : subcommands) {
                if (s.name().equals(a)) {
                    return s;
                }
            }
        }
        return null;
    }

    /**
     * Whether the reduced tree takes {@code args} as the full tree would. It does when it parses them
     * without error, into {@code named} (or into the root alone when no argument names a
     * subcommand), and the root's help is not asked for: that help lists every subcommand.
     */
    private static boolean parsesAlike(CommandLine reduced, Subcommand named, String[] args) {
        ParseResult parsed;
        try {
            parsed = reduced.parseArgs(args);
        } catch (ParameterException e) {
            return false;
        }
        if (parsed.isUsageHelpRequested()) {
            return false;
        }
        return named == null ? !parsed.hasSubcommand()
                : parsed.hasSubcommand() && parsed.subcommand().commandSpec().name().equals(named.name());
    }
}
