package io.runtimed.cli.runtimed;

import io.runtimed.cli.CliStreams;
import io.runtimed.daemon.ClassPreloader;
import io.runtimed.protocol.UnixSocketWarmUp;

/** Entry point of the {@code runtimed} command. */
public final class RuntimedMain {
    private RuntimedMain() {
    }

    public static void main(String[] args) {
        if (startsTheDaemon(args)) {
            // overlap the daemon's start-up work with parsing the command line (tens of ms on 2 cores)
            ClassPreloader.start();
        } else if (args.length > 0 && (args[0].equals("status") || args[0].equals("doctor"))) {
            // both ask the daemon over its socket: that class's set-up on the second core meanwhile;
            // doctor also asks the blob server over http
            Runnable socket = new UnixSocketWarmUp();
            Runnable work = args[0].equals("doctor") ? () -> {
                socket.run();
                HttpWarmUp.run();
            } : socket;
            Thread warmUp = new Thread(work, "runtimed-warmup");
            warmUp.setDaemon(true);
            warmUp.start();
        }
        System.exit(run(args));
    }

    /** The command's exit status. (Separate from main so that the start-up archive's training runs it.) */
    static int run(String[] args) {
        return RuntimedCommand.TREE.forArgs(args, CliStreams::utf8).execute(args);
    }

    /** A bare {@code runtimed [options]} or {@code runtimed run …}: the daemon is about to start. */
    static boolean startsTheDaemon(String[] args) {
        for (String a : args) {
            if (a.equals("run")) {
                return true;
            }
            if (!a.startsWith("-") || a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")) {
                return false;
            }
        }
        return true;
    }
}
