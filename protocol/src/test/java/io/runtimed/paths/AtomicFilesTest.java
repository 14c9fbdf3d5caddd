package io.runtimed.paths;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SETTINGS.md §6: whole-file replacement by rename, and the guarded form for files people edit. */
class AtomicFilesTest {
    @TempDir
    Path tmp;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private String[] names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
        }
    }

    @Test
    void writesAFileAndItsParentsAndLeavesNoTemporaryFile() throws Exception {
        Path target = tmp.resolve("a/b/settings.json");
        AtomicFiles.write(target, b("one"));
        AtomicFiles.write(target, b("two"));
        assertThat(Files.readString(target)).isEqualTo("two");
        assertThat(names(target.getParent())).containsExactly("settings.json");
    }

    @Test
    void keepsTheModeOfAnExistingFileAndGivesANewOne0644() throws Exception {
        Path target = tmp.resolve("f");
        AtomicFiles.write(target, b("x"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-r--r--");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
        AtomicFiles.write(target, b("y"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rw-------");
    }

    @Test
    void replacesOnlyWhatItExpectsToFind() throws Exception {
        Path target = tmp.resolve("settings.json");
        assertThat(AtomicFiles.replaceIfUnchanged(target, b("ours"), null)).as("absent as expected").isTrue();
        Files.writeString(target, "theirs"); // a person saved meanwhile
        assertThat(AtomicFiles.replaceIfUnchanged(target, b("ours 2"), b("ours"))).isFalse();
        assertThat(Files.readString(target)).isEqualTo("theirs");
        assertThat(AtomicFiles.replaceIfUnchanged(target, b("ours 3"), null)).as("expected absent, found a file").isFalse();
        assertThat(AtomicFiles.replaceIfUnchanged(target, b("ours 4"), b("theirs"))).isTrue();
        assertThat(Files.readString(target)).isEqualTo("ours 4");
        assertThat(names(tmp)).containsExactly("settings.json");
    }
}
