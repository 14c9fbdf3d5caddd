package io.runtimed.cli;

/** Entry point of the {@code runtimed} command. */
public final class RuntimedMain {
    private RuntimedMain() {
    }

    public static void main(String[] args) {
        System.exit(CliStreams.commandLine(new RuntimedCommand()).execute(args));
    }
}
