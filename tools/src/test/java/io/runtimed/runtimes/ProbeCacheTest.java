package io.runtimed.runtimes;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.tools.ProcessRunner;
import io.runtimed.tools.ToolSearchPath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16: a second status does not start every interpreter again, and never reports a changed one from memory. */
class ProbeCacheTest {
    @TempDir
    Path tmp;
    Path bin;
    Path cacheFile;
    MutableClock clock;

    @BeforeEach
    void dirs() throws IOException {
        bin = Files.createDirectories(tmp.resolve("bin"));
        cacheFile = tmp.resolve("cache").resolve("runtime-probes.properties");
        clock = new MutableClock(Instant.parse("2026-12-06T00:00:00Z"));
    }

    /** A file that is not a script (no #!): what it answers depends on its bytes alone. */
    private Path binary(String name, String bytes) throws IOException {
        return Files.writeString(bin.resolve(name), "\u007fELF" + bytes, StandardCharsets.UTF_8);
    }

    private ProbeCache cache() {
        return ProbeCache.at(cacheFile, clock);
    }

    @Test
    void aBinarysAnswerIsKeptAcrossProcessesWhileItsFileIsUnchanged() throws IOException {
        Path python = binary("python3", "v1");
        DetectedTool answer = new DetectedTool("python3", python.toString(), "3.11.2", true, null);
        ProbeCache first = cache();
        first.put("python3", python, answer);
        first.save();
        clock.advance(Duration.ofDays(30));

        assertThat(cache().get("python3", python)).contains(answer);
        assertThat(cache().get("python3.11", python)).as("another name for it was never probed").isEmpty();
    }

    @Test
    void aChangedFileIsProbedAgain() throws IOException {
        Path python = binary("python3", "v1");
        ProbeCache cache = cache();
        cache.put("python3", python, new DetectedTool("python3", python.toString(), "3.11.2", true, null));

        Files.writeString(python, "\u007fELF v2 is longer", StandardCharsets.UTF_8);
        assertThat(cache.get("python3", python)).isEmpty();
    }

    @Test
    void aFileReplacedWithOneOfTheSameSizeAndTimeIsProbedAgain() throws IOException {
        Path python = binary("python3", "v1");
        FileTime time = Files.getLastModifiedTime(python);
        ProbeCache cache = cache();
        cache.put("python3", python, new DetectedTool("python3", python.toString(), "3.11.2", true, null));

        Path other = binary("python3.new", "v2");
        Files.setLastModifiedTime(other, time);
        Files.move(other, python, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(cache.get("python3", python)).as("another inode").isEmpty();
    }

    @Test
    void aScriptsAnswerHoldsOneMinuteOnly() throws IOException {
        Path shim = RuntimeDetectorTest.standIn(bin, "python3", "echo 'Python 3.11.7'");
        DetectedTool answer = new DetectedTool("python3", shim.toString(), "3.11.7", true, null);
        ProbeCache cache = cache();
        cache.put("python3", shim, answer);

        clock.advance(ProbeCache.SHORT_TTL.minusSeconds(1));
        assertThat(cache.get("python3", shim)).contains(answer);
        clock.advance(Duration.ofSeconds(2));
        assertThat(cache.get("python3", shim)).as("pyenv may have switched versions meanwhile").isEmpty();
    }

    @Test
    void aProbeThatGotNoAnswerHoldsOneMinuteOnlyEvenForABinary() throws IOException {
        Path python = binary("python3", "v1");
        DetectedTool timedOut = new DetectedTool("python3", python.toString(), null, false,
                "python3 --version: timed out after 5 s");
        ProbeCache cache = cache();
        cache.put("python3", python, timedOut);

        assertThat(cache.get("python3", python)).contains(timedOut);
        clock.advance(ProbeCache.SHORT_TTL.plusSeconds(1));
        assertThat(cache.get("python3", python)).as("it may answer once the machine is less busy").isEmpty();
    }

    @Test
    void aBrokenCacheFileIsAnEmptyCache() throws IOException {
        Files.createDirectories(cacheFile.getParent());
        Files.write(cacheFile, new byte[] {'\\', 'u', 'z', 'z', '\n', 0, (byte) 0xff});
        Path python = binary("python3", "v1");

        assertThat(cache().get("python3", python)).isEmpty();
    }

    @Test
    void aSecondDetectionDoesNotRunAScriptAgainWithinItsMinuteAndAfterAChangeItDoesWithStandIns() throws Exception {
        Path runs = tmp.resolve("runs");
        RuntimeDetectorTest.standIn(bin, "python3", "echo run >> '" + runs + "'; echo 'Python 3.12.1'");
        RuntimeDetectorTest.standIn(bin, "python3.12", "echo 'pyenv: python3.12: command not found' >&2; exit 127");

        DetectedTool first = detect().interpreters().get(0);
        DetectedTool second = detect().interpreters().get(0);
        assertThat(second).isEqualTo(first);
        assertThat(second.version()).isEqualTo("3.12.1");
        assertThat(Files.readAllLines(runs)).as("python3 --version ran once").hasSize(1);
        assertThat(detect().interpreters().get(1).problem()).as("a failure the program reported is kept too")
                .startsWith("python3.12 --version failed (exit 127)");

        RuntimeDetectorTest.standIn(bin, "python3", "echo run >> '" + runs + "'; echo 'Python 3.13.0 and more'");
        assertThat(detect().interpreters().get(0).version()).isEqualTo("3.13.0");
        assertThat(Files.readAllLines(runs)).hasSize(2);
    }

    private RuntimeInventory detect() {
        ToolSearchPath only = ToolSearchPath.of(Map.of("PATH", bin.toString()), tmp, List.of());
        return new RuntimeDetector(only, new ProcessRunner(Map.of()), RuntimeDetector.PROBE_TIMEOUT,
                ProbeCache.at(cacheFile, clock)).detect();
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
