package io.runtimed.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.runtimed.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectionFileTest {
    @TempDir
    Path temp;

    @Test
    void fileIsOwnerOnlyInAnOwnerOnlyDirectory() throws Exception {
        Path dir = temp.resolve("runtime");

        ConnectionFile file = ConnectionFile.write(dir, ConnectionInfo.reserve("python3"));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path()))).isEqualTo("rw-------");
        assertThat(file.path().getFileName().toString()).matches("runtimed-kernel-[0-9a-f-]{36}\\.json");
    }

    @Test
    void aLooseExistingDirectoryIsTightened() throws Exception {
        Path dir = Files.createDirectory(temp.resolve("runtime"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

        ConnectionFile.write(dir, ConnectionInfo.reserve("python3"));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
    }

    @Test
    void contentIsPrettyJsonWithTheReferenceKeyOrder() throws Exception {
        ConnectionInfo info = ConnectionInfo.reserve("python3");
        ConnectionFile file = ConnectionFile.write(temp, info);

        String text = Files.readString(file.path(), StandardCharsets.UTF_8);
        JsonNode json = Json.MAPPER.readTree(text);
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);

        assertThat(keys).containsExactly("ip", "transport", "shell_port", "iopub_port", "stdin_port", "control_port",
                "hb_port", "key", "signature_scheme", "kernel_name");
        assertThat(text).startsWith("{\n  \"ip\": \"127.0.0.1\",\n  \"transport\": \"tcp\",\n  \"shell_port\": ");
        assertThat(json.get("signature_scheme").asText()).isEqualTo("hmac-sha256");
        assertThat(json.get("kernel_name").asText()).isEqualTo("python3");
        assertThat(UUID.fromString(json.get("key").asText()).version()).isEqualTo(4);
        assertThat(json.get("shell_port").asInt()).isEqualTo(info.shellPort()).isPositive();
    }

    @Test
    void deleteRemovesTheFileAndToleratesItsAbsence() throws Exception {
        ConnectionFile file = ConnectionFile.write(temp, ConnectionInfo.reserve("python3"));

        file.delete();
        file.delete();

        assertThat(file.path()).doesNotExist();
    }
}
