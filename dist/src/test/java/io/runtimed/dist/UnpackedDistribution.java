package io.runtimed.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The archive this module packs (runtimed-&lt;version&gt;.tar.gz), unpacked with tar into a test's
 * directory as a user would: {@code runtimed-<version>/bin/runtimed} and friends.
 */
final class UnpackedDistribution {
    static final String ARCHIVE_PROPERTY = "runtimed.dist.archive";

    private final Path root;

    private UnpackedDistribution(Path root) {
        this.root = root;
    }

    static Path archive() {
        String archive = System.getProperty(ARCHIVE_PROPERTY);
        assertThat(archive).as("system property %s (set by failsafe in dist/pom.xml)", ARCHIVE_PROPERTY).isNotBlank();
        assertThat(Path.of(archive)).as("the packed distribution").isRegularFile();
        return Path.of(archive);
    }

    /** Unpacks the archive under {@code parent} and returns its top directory. */
    static UnpackedDistribution unpack(Path parent) throws IOException, InterruptedException {
        Files.createDirectories(parent);
        Process tar = new ProcessBuilder("tar", "xzf", archive().toString(), "-C", parent.toString())
                .redirectErrorStream(true).start();
        assertThat(tar.waitFor(60, TimeUnit.SECONDS)).as("tar finished").isTrue();
        assertThat(tar.exitValue()).as("tar xzf: %s", new String(tar.getInputStream().readAllBytes(),
                StandardCharsets.UTF_8)).isZero();
        try (var entries = Files.list(parent)) {
            Path top = entries.filter(p -> p.getFileName().toString().startsWith("runtimed-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no runtimed-<version> directory in " + archive()));
            return new UnpackedDistribution(top);
        }
    }

    Path root() {
        return root;
    }

    Path runtimed() {
        return root.resolve("bin").resolve("runtimed");
    }

    Path runt() {
        return root.resolve("bin").resolve("runt");
    }

    /**
     * Makes this copy a genuinely older build: the version inside its protocol jar (the manifest's
     * Implementation-Version, which RuntimedVersion reads, and version.properties) says
     * {@code version}, so its daemon writes e.g. "0.0.9+abc1234" to daemon.json.
     */
    UnpackedDistribution withVersion(String version) throws IOException {
        Path jar;
        try (var jars = Files.list(root.resolve("lib").resolve("deps"))) {
            jar = jars.filter(p -> p.getFileName().toString().startsWith("runtimed-protocol-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no runtimed-protocol jar in " + root));
        }
        try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + jar.toUri()), Map.of())) {
            Path props = zip.getPath("io", "runtimed", "protocol", "version.properties");
            String text = Files.readString(props, StandardCharsets.ISO_8859_1);
            Files.writeString(props, text.replaceAll("(?m)^version=.*$", "version=" + version),
                    StandardCharsets.ISO_8859_1);
            Path manifest = zip.getPath("META-INF", "MANIFEST.MF");
            String lines = Files.readString(manifest, StandardCharsets.UTF_8);
            String changed = lines.replaceAll("(?m)^Implementation-Version: [^+\\r\\n]*\\+", "Implementation-Version: " + version + "+");
            if (changed.equals(lines)) {
                throw new AssertionError("no Implementation-Version in " + jar + "'s manifest:\n" + lines);
            }
            Files.writeString(manifest, changed, StandardCharsets.UTF_8);
        }
        return this;
    }

    /** Makes copying this distribution fail part-way: a jar that is a link to nothing. */
    UnpackedDistribution withUnreadableJar() throws IOException {
        Files.createSymbolicLink(root.resolve("lib").resolve("deps").resolve("zz-missing.jar"),
                root.resolve("no-such-file.jar"));
        return this;
    }
}
