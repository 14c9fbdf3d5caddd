package io.runtimed.paths;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SETTINGS.md §6: whole-file replacement by rename, and the guarded form for files people edit. */
class AtomicFilesTest {
    private static final long PID = ProcessHandle.current().pid();

    @TempDir
    Path tmp;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private String[] names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
        }
    }

    /** A pid no process has: above Linux's pid_max limit (2^22). */
    private static final long DEAD_PID = 99_999_999L;

    @Nested
    class Write {
        @Test
        void writesAFileAndItsParentsAndLeavesNoTemporaryFile() throws Exception {
            Path target = tmp.resolve("a/b/settings.json");
            AtomicFiles.write(target, b("one"));
            AtomicFiles.write(target, b("two"));
            assertThat(Files.readString(target)).isEqualTo("two");
            assertThat(names(target.getParent())).containsExactly("settings.json");
        }

        @Test
        void writesWhatRemainsOfAByteBuffer() throws Exception {
            Path target = tmp.resolve("doc.automerge");
            ByteBuffer buf = ByteBuffer.wrap(b("skip-keep"));
            buf.position(5);
            AtomicFiles.write(target, buf);
            assertThat(Files.readString(target)).isEqualTo("keep");
            assertThat(buf.hasRemaining()).isFalse();
        }

        @Test
        void keepsTheModeOfAnExistingFileAndGivesANewOne0644() throws Exception {
            Path target = tmp.resolve("f");
            AtomicFiles.write(target, b("x"));
            assertThat(mode(target)).isEqualTo("rw-r--r--");
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
            AtomicFiles.write(target, b("y"));
            assertThat(mode(target)).isEqualTo("rw-------");
        }
    }

    @Nested
    class ReplaceIfUnchanged {
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

    @Nested
    class Copy {
        @Test
        void anExecutableCopyKeepsItsExecBitEvenOverAPlainFile() throws Exception {
            Path source = tmp.resolve("src/runtimed");
            Files.createDirectories(source.getParent());
            Files.writeString(source, "#!/bin/sh\necho new\n");
            Path target = tmp.resolve("bin/runtimed");
            Files.createDirectories(target.getParent());
            Files.writeString(target, "old");
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));

            AtomicFiles.copy(source, target, AtomicFiles.EXECUTABLE);

            assertThat(Files.readString(target)).isEqualTo("#!/bin/sh\necho new\n");
            assertThat(mode(target)).isEqualTo("rwxr-xr-x");
            assertThat(names(target.getParent())).containsExactly("runtimed");
        }

        @Test
        void copiesMoreThanOneTransferOfBytes() throws Exception {
            byte[] big = new byte[3 * 1024 * 1024 + 17];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 31);
            }
            Path source = Files.write(tmp.resolve("big.jar"), big);
            Path target = tmp.resolve("lib/big.jar");
            AtomicFiles.copy(source, target, AtomicFiles.NEW_FILE);
            assertThat(Files.readAllBytes(target)).isEqualTo(big);
        }

        @Test
        void aMissingSourceLeavesTheTargetAsItWasAndNoTemporaryFile() throws Exception {
            Path target = tmp.resolve("runtimed");
            Files.writeString(target, "installed");
            assertThatThrownBy(() -> AtomicFiles.copy(tmp.resolve("no-such-file"), target, AtomicFiles.EXECUTABLE))
                    .isInstanceOf(NoSuchFileException.class);
            assertThat(Files.readString(target)).isEqualTo("installed");
            assertThat(names(tmp)).containsExactly("runtimed");
        }
    }

    @Nested
    class CrashLeftovers {
        @Test
        void aTemporaryFileLeftByACrashNeverReplacesTheTarget() throws Exception {
            Path target = tmp.resolve("daemon.json");
            Files.writeString(target, "old, whole");
            // a writer that died between its write and its rename
            Path leftover = tmp.resolve(AtomicFiles.tempName("daemon.json", DEAD_PID, 1));
            Files.writeString(leftover, "half");

            AtomicFiles.write(target, b("new"));
            assertThat(Files.readString(target)).isEqualTo("new");
            assertThat(Files.readString(leftover)).as("someone else's file is not ours to rename").isEqualTo("half");
        }

        @Test
        void aLeftoverOfAnEarlierProcessWithOurPidIsReplacedNotWrittenThrough() throws Exception {
            Path target = tmp.resolve("settings.automerge");
            Path elsewhere = Files.writeString(tmp.resolve("elsewhere"), "not to be touched");
            // the pid came round again (a container starts its daemon with the same pid every time)
            Path leftover = tmp.resolve(AtomicFiles.tempName("settings.automerge", PID, AtomicFiles.nextSequence()));
            Files.createSymbolicLink(leftover, elsewhere);

            AtomicFiles.write(target, b("new"));

            assertThat(Files.readString(target)).isEqualTo("new");
            assertThat(Files.readString(elsewhere)).isEqualTo("not to be touched");
            assertThat(leftover).doesNotExist();
        }

        @Test
        void deleteLeftoversRemovesOnlyDeadWritersTemporaryFilesOfThatTarget() throws Exception {
            Path target = tmp.resolve("abc.automerge");
            Files.writeString(target, "doc");
            Path dead = Files.writeString(tmp.resolve(AtomicFiles.tempName("abc.automerge", DEAD_PID, 7)), "x");
            Path ours = Files.writeString(tmp.resolve(AtomicFiles.tempName("abc.automerge", PID, 999_999)), "x");
            Path otherTarget = Files.writeString(tmp.resolve(AtomicFiles.tempName("abc.automerge.corrupt", DEAD_PID, 1)), "x");
            Path unrelated = Files.writeString(tmp.resolve(".abc.automerge.notes"), "x");

            assertThat(AtomicFiles.deleteLeftovers(target)).isEqualTo(1);

            assertThat(dead).doesNotExist();
            assertThat(ours).as("a running writer's").exists();
            assertThat(otherTarget).exists();
            assertThat(unrelated).exists();
            assertThat(Files.readString(target)).isEqualTo("doc");
        }

        @Test
        void deleteLeftoversOfAMissingDirectoryFindsNone() {
            assertThat(AtomicFiles.deleteLeftovers(tmp.resolve("no/such/file"))).isZero();
        }
    }
}
