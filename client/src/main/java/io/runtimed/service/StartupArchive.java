package io.runtimed.service;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The class-data-sharing archive an installed copy starts with. It names the jars by path, so the
 * copy needs its own: the build's training run (CdsTraining, in a temporary home of its own), once
 * per install, about a second. Best effort: without an archive the daemon starts the ordinary way,
 * a few hundred milliseconds slower.
 */
final class StartupArchive {
    private static final Logger LOG = LoggerFactory.getLogger(StartupArchive.class);
    private static final Duration TRAINING_TIMEOUT = Duration.ofSeconds(60);

    private StartupArchive() {
    }

    /** Records the archive with the installed {@code bin/.launch}; nothing for a lone binary. */
    static void record(Path launchScript) {
        if (!Files.isExecutable(launchScript) || File.separatorChar == '\\') {
            return;
        }
        ProcessBuilder pb = new ProcessBuilder(launchScript.toString(), "io.runtimed.cli.runtimed.CdsTraining")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("RUNTIMED_CDS", "dump");
        try {
            Process p = pb.start();
            if (!p.waitFor(TRAINING_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                LOG.info("no start-up archive for {}: training took longer than {} s", launchScript,
                        TRAINING_TIMEOUT.toSeconds());
            } else if (p.exitValue() != 0) {
                LOG.info("no start-up archive for {}: training exited {}", launchScript, p.exitValue());
            }
        } catch (IOException e) {
            LOG.info("no start-up archive for {}: {}", launchScript, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
