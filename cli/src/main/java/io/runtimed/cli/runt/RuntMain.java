package io.runtimed.cli.runt;

import io.runtimed.cli.CliStreams;
import io.runtimed.protocol.UnixSocketWarmUp;
import io.runtimed.sync.NativeHandles;
import java.util.Set;

/** Entry point of the {@code runt} command. */
public final class RuntMain {
    /** The commands that talk to the daemon (all of runt's). */
    private static final Set<String> CONNECTING = Set.of("pool", "settings", "notebook", "kernel", "exec", "inspect");
    /** The commands that sync a document, and so need Automerge's native library. */
    private static final Set<String> SYNCING = Set.of("settings", "exec", "kernel", "notebook");

    private RuntMain() {
    }

    public static void main(String[] args) {
        String command = commandName(args);
        if (CONNECTING.contains(command)) {
            // the second core prepares what the command needs while this one parses the command
            // line (a failure there shows where the command first needs it)
            Thread warmUp = new Thread(new WarmUp(syncsDocuments(args)), "runt-warmup");
            warmUp.setDaemon(true);
            warmUp.start();
        }
        System.exit(run(args));
    }

    /** The command's exit status. (Separate from main so that the start-up archive's training runs it.) */
    public static int run(String[] args) {
        return RuntCommand.TREE.forArgs(args, CliStreams::utf8).execute(args);
    }

    /** Whether {@code args} name a command that syncs a document ({@code notebook list} does not). */
    static boolean syncsDocuments(String[] args) {
        String command = commandName(args);
        if (!SYNCING.contains(command)) {
            return false;
        }
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("notebook") && args[i + 1].equals("list")) {
                return false;
            }
        }
        return true;
    }

    /** The first argument that is not an option, or "". */
    private static String commandName(String[] args) {
        for (String a : args) {
            if (!a.startsWith("-")) {
                return a;
            }
        }
        return "";
    }

    /**
     * A class, not a lambda: no lambda to spin up before the thread can start. The UNIX-socket
     * class's initialisation (~15-40 ms), then Automerge's native library (~20 ms) if needed.
     */
    private static final class WarmUp implements Runnable {
        private final boolean automerge;

        WarmUp(boolean automerge) {
            this.automerge = automerge;
        }

        @Override
        public void run() {
            new UnixSocketWarmUp().run();
            if (automerge) {
                try {
                    NativeHandles.loadLibrary();
                } catch (RuntimeException | LinkageError e) {
                    // the command reports it when it makes its first document
                }
            }
        }
    }
}
