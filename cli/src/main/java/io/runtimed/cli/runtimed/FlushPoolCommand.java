package io.runtimed.cli.runtimed;

import io.runtimed.client.DaemonClientException;
import io.runtimed.client.PoolClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code runtimed flush-pool}: drop the ready environments so they are rebuilt with current settings. */
@Command(name = "flush-pool", mixinStandardHelpOptions = true, description = "Rebuild pooled environments with the current settings.")
final class FlushPoolCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PoolClient client = PoolClient.forDefaultSocket();
        try {
            client.ping();
        } catch (DaemonClientException e) {
            err.println("Daemon is not running.");
            return 1;
        }
        out.println("Flushing pool environments...");
        try {
            client.flush();
        } catch (DaemonClientException e) {
            err.println("Error: Failed to flush pool: " + e.getMessage());
            return 1;
        }
        out.println("Pool flushed. Environments will be rebuilt with current settings.");
        return 0;
    }
}
