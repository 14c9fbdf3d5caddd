package io.runtimed.service;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The class-data-sharing archive an installed copy starts with. It names the jars by path, so the
 * copy needs its own: the build's training run (CdsTraining, in a temporary home of its own), once
 * per install, several seconds on 2 cores. Best effort: without an archive the daemon starts the
 * ordinary way, a few hundred milliseconds slower. {@code RUNTIMED_STARTUP_ARCHIVE=off} in the
 * installer's environment skips it (an image built once, a test of what install does besides).
 */
final class StartupArchive {
    private static final Logger LOG = LoggerFactory.getLogger(StartupArchive.class);
    private static final Duration TRAINING_TIMEOUT = Duration.ofSeconds(60);

    private StartupArchive() {
    }

    /** The variable that, set to {@code off}, skips the archive. */
    static final String SWITCH = "RUNTIMED_STARTUP_ARCHIVE";

    /** Records the archive with the installed {@code bin/.launch}; nothing for a lone binary. */
    static void record(Path launchScript) {
        record(launchScript, System.getenv());
    }

    /** The same, unless {@code env} turns it off. */
    static void record(Path launchScript, Map<String, String> env) {
        if (!Files.isExecutable(launchScript) || File.separatorChar == '\\' || "off".equals(env.get(SWITCH))) {
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
                // the launcher script's java child runs the training's daemon: it goes too
                p.descendants().forEach(ProcessHandle::destroyForcibly);
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
