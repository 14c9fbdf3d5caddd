package io.runtimed.cli.runtimed;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code runtimed blobs}: maintenance of the blob store (BLOBS.md). */
@Command(name = "blobs", mixinStandardHelpOptions = true, description = "Maintain the blob store.",
        subcommands = {BlobsGcCommand.class})
final class BlobsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand: try 'runtimed blobs gc --help'");
    }
}
