package io.runtimed.cli.runt;

import io.runtimed.cli.CliStreams;

/** Entry point of the {@code runt} command. */
public final class RuntMain {
    private RuntMain() {
    }

    public static void main(String[] args) {
        System.exit(RuntCommand.TREE.forArgs(args, CliStreams::utf8).execute(args));
    }
}
