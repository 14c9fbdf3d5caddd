package io.runtimed.cli.runt;

import io.runtimed.cli.CliStreams;
import io.runtimed.sync.NativeHandles;
import java.util.Set;

/** Entry point of the {@code runt} command. */
public final class RuntMain {
    /** The commands that sync a document, and so need Automerge's native library. */
    private static final Set<String> SYNCING = Set.of("settings", "exec", "kernel", "notebook");

    private RuntMain() {
    }

    public static void main(String[] args) {
        if (syncsDocuments(args)) {
            // linking the native library takes ~20 ms; the second core does it while this one
            // parses the command line and connects (a failure shows where the command first needs it)
            Thread load = new Thread(new AutomergeLoad(), "automerge-load");
            load.setDaemon(true);
            load.start();
        }
        System.exit(run(args));
    }

    /** The command's exit status. (Separate from main so that the start-up archive's training runs it.) */
    public static int run(String[] args) {
        return RuntCommand.TREE.forArgs(args, CliStreams::utf8).execute(args);
    }

    /** Whether {@code args} name a command that syncs a document ({@code notebook list} does not). */
    static boolean syncsDocuments(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("-")) {
                return SYNCING.contains(args[i])
                        && !(args[i].equals("notebook") && i + 1 < args.length && args[i + 1].equals("list"));
            }
        }
        return false;
    }

    /** A class, not a method reference: no lambda to spin up before the thread can start. */
    private static final class AutomergeLoad implements Runnable {
        @Override
        public void run() {
            try {
                NativeHandles.loadLibrary();
            } catch (RuntimeException | LinkageError e) {
                // the command reports it when it makes its first document
            }
        }
    }
}
