package io.runtimed.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Makes a CommandLine's output UTF-8 whatever the locale (outputs contain "—"). */
public final class CliStreams {
    private CliStreams() {
    }

    /** {@code cl} writing UTF-8 to the process's stdout and stderr. */
    public static CommandLine utf8(CommandLine cl) {
        cl.setOut(new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true));
        return cl;
    }
}
