package io.runtimed.cli.runtimed;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.cli.LazySubcommands;
import io.runtimed.cli.runt.RuntCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Issue 16: runt and runtimed build only the subcommand their arguments name, and behave as the full tree does. */
class LazySubcommandsTest {
    private static List<String> built(LazySubcommands tree, String... args) {
        return List.copyOf(tree.forArgs(args, cl -> cl).getSubcommands().keySet());
    }

    @Nested
    class TheTreeBuilt {
        @Test
        void aOneShotCommandBuildsItsOwnSubcommandOnly() {
            assertThat(built(RuntCommand.TREE, "pool", "ping")).containsExactly("pool");
            assertThat(built(RuntCommand.TREE, "settings", "set", "theme", "dark")).containsExactly("settings");
            assertThat(built(RuntimedCommand.TREE, "status", "--json")).containsExactly("status");
        }

        @Test
        void aRuntimedCommandsRootHasOnlyTheInheritedLogLevelAndTheDaemonsOptionsBeforeItGetTheFullTree() {
            CommandLine lean = RuntimedCommand.TREE.forArgs(new String[] {"--log-level", "warn", "status"}, cl -> cl);
            assertThat(lean.getCommandSpec().findOption("--log-level")).isNotNull();
            assertThat(lean.getCommandSpec().findOption("--uv-pool-size")).as("run options are a bare runtimed's").isNull();

            CommandLine full = RuntimedCommand.TREE.forArgs(new String[] {"--uv-pool-size", "0", "status"}, cl -> cl);
            assertThat(full.getCommandSpec().findOption("--uv-pool-size")).isNotNull();
            assertThat(full.getSubcommands()).hasSize(9);
        }

        @Test
        void theDaemonsOwnOptionsBuildNoSubcommand() {
            assertThat(built(RuntimedCommand.TREE, "--uv-pool-size", "0", "--log-level", "warn")).isEmpty();
            assertThat(built(RuntimedCommand.TREE)).isEmpty();
        }

        @Test
        void rootHelpAMisspeltCommandAndAnUnknownArgumentGetTheFullTree() {
            List<String> all = List.of("pool", "settings", "notebook", "kernel", "exec", "inspect");
            assertThat(built(RuntCommand.TREE, "--help")).containsExactlyElementsOf(all);
            assertThat(built(RuntCommand.TREE, "pol", "ping")).containsExactlyElementsOf(all);
            assertThat(built(RuntCommand.TREE, "nonsense", "pool", "ping")).containsExactlyElementsOf(all);
            assertThat(built(RuntimedCommand.TREE, "stauts")).hasSize(9);
        }

        @Test
        void aSubcommandNameWhereAnOptionsValueGoesFailsAsInTheFullTree() {
            String[] args = {"--socket", "status", "run"};
            StringWriter lazy = new StringWriter();
            StringWriter full = new StringWriter();
            int lazyStatus = RuntimedCommand.TREE.forArgs(args, c -> c.setErr(new PrintWriter(lazy))).execute(args);
            CommandLine whole = RuntimedCommand.TREE.full();
            whole.setErr(new PrintWriter(full));
            assertThat(lazyStatus).isEqualTo(whole.execute(args)).isEqualTo(2);
            assertThat(lazy.toString()).isEqualTo(full.toString()).contains("Expected parameter for option '--socket'");
        }
    }

    @Nested
    class Behaviour {
        @Test
        void theRootsHelpListsEverySubcommandAsBefore() {
            StringWriter out = new StringWriter();
            CommandLine cl = RuntimedCommand.TREE.forArgs(new String[] {"--help"}, c -> c.setOut(new PrintWriter(out)));
            assertThat(cl.execute("--help")).isZero();
            assertThat(out.toString()).contains("  run ", "  install ", "  status ", "  flush-pool ", "  blobs ", "  doctor ");
        }

        @Test
        void aMisspeltCommandIsStillSuggested() {
            StringWriter err = new StringWriter();
            CommandLine cl = RuntCommand.TREE.forArgs(new String[] {"pol"}, c -> c.setErr(new PrintWriter(err)));
            assertThat(cl.execute("pol")).isEqualTo(2);
            assertThat(err.toString()).contains("Unmatched argument at index 0: 'pol'").contains("pool");
        }

        @Test
        void aSubcommandsHelpIsItsOwn() {
            StringWriter out = new StringWriter();
            CommandLine cl = RuntCommand.TREE.forArgs(new String[] {"pool", "--help"}, c -> c.setOut(new PrintWriter(out)));
            assertThat(cl.execute("pool", "--help")).isZero();
            assertThat(out.toString()).startsWith("Usage: runt pool ").contains("ping", "status", "flush");
        }

        @Test
        void theRootsInheritedOptionReachesTheBuiltSubcommand() {
            // --log-level is inherited by every runtimed subcommand
            String[] args = {"doctor", "--log-level", "debug"};
            CommandLine cl = RuntimedCommand.TREE.forArgs(args, c -> c);
            assertThat(cl.getSubcommands()).containsOnlyKeys("doctor");
            assertThat(cl.parseArgs(args).subcommand().commandSpec().name()).isEqualTo("doctor");
        }

        @Test
        void eachSubcommandIsListedUnderTheNameItsAnnotationGives() {
            Stream.of(RuntCommand.TREE, RuntimedCommand.TREE).flatMap(t -> t.subcommands().stream()).forEach(s ->
                    assertThat(new CommandLine(s.factory().get()).getCommandName()).isEqualTo(s.name()));
        }
    }
}
