package io.runtimed.cli.runt;

import io.runtimed.cli.CliStreams;

/** Entry point of the {@code runt} command. */
public final class RuntMain {
    private RuntMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** The command's exit status. (Separate from main so that the start-up archive's training runs it.) */
    public static int run(String[] args) {
        return RuntCommand.TREE.forArgs(args, CliStreams::utf8).execute(args);
    }
}
