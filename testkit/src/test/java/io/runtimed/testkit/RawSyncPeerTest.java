package io.runtimed.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.runtimed.protocol.Handshake;
import io.runtimed.protocol.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The raw peer's handshakes are the spec's literal bytes (TESTS.md), written without the product's code. */
class RawSyncPeerTest {
    @Test
    void theSettingsHandshakeIsTheReferencesExactBytes() {
        assertThat(new String(RawSyncPeer.SETTINGS_HANDSHAKE, StandardCharsets.UTF_8))
                .isEqualTo("{\"channel\":\"settings_sync\"}");
    }

    @Test
    void theNotebookHandshakeIsTheReferencesExactBytesAndQuotesAnyId() throws Exception {
        assertThat(new String(RawSyncPeer.notebookHandshake("abc"), StandardCharsets.UTF_8))
                .isEqualTo("{\"channel\":\"notebook_sync\",\"notebook_id\":\"abc\"}");
        String odd = "C:\\Users\\\"me\"/笔记 📓\n.ipynb";
        assertThat(Json.MAPPER.readValue(RawSyncPeer.notebookHandshake(odd), Handshake.class))
                .isEqualTo(new Handshake.NotebookSync(odd));
    }
}
