package io.runtimed.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * daemon.json through {@link DaemonInfoFile}'s streaming reader and writer is what the databind
 * mapper makes of it (DaemonInfoTest holds the mapper to the spec's text).
 */
class DaemonInfoFileTest {
    static Stream<DaemonInfo> infos() {
        return Stream.of(
                new DaemonInfo("/home/alice/.cache/runt/runtimed.sock", 48213, "0.1.0-dev.2+1a2b3c4",
                        Instant.parse("2025-02-23T12:00:00.123456789Z"), 41234),
                new DaemonInfo("\\\\.\\pipe\\runtimed-zoë 🎉\"x\"", 1L << 40, "v", Instant.parse("2025-02-23T12:00:00Z"), null),
                new DaemonInfo("/s", 0, "", Instant.parse("2025-02-23T12:00:00.500Z"), 0),
                new DaemonInfo("/s\u0001\u001f", 7, "1", Instant.parse("2025-02-23T12:00:00.000001Z"), 65535),
                DaemonInfo.unknown());
    }

    @ParameterizedTest
    @MethodSource("infos")
    void itIsWrittenAsTheMapperWritesItAndReadBack(DaemonInfo info) throws MalformedMessageException {
        byte[] written = DaemonInfoFile.pretty(info);

        assertThat(new String(written, UTF_8)).isEqualTo(Json.pretty(info));
        assertThat(DaemonInfoFile.parse(written)).isEqualTo(Json.parse(written, DaemonInfo.class)).isEqualTo(info);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"endpoint\":\"/s\",\"pid\":1,\"version\":\"v\",\"started_at\":\"2025-02-23T14:00:00.123456789+02:00\"}",
        "{\"endpoint\":\"/s\",\"pid\":1,\"version\":\"v\",\"started_at\":\"2025-02-23 12:00:00Z\",\"blob_port\":null}",
        "{\"x\":[1,2.5,{\"y\":true}],\"endpoint\":\"/s\",\"pid\":1,\"version\":\"v\",\"started_at\":\"2025-02-23t12:00:00z\",\"blob_port\":9}",
        "{\"endpoint\":\"/s\",\"endpoint\":\"/t\",\"pid\":1,\"version\":\"v\",\"started_at\":\"2025-02-23T12:00:00Z\"}",
    })
    void otherValidFormsReadAsTheMapperReadsThem(String json) throws MalformedMessageException {
        byte[] bytes = json.getBytes(UTF_8);

        assertThat(DaemonInfoFile.parse(bytes)).isEqualTo(Json.parse(bytes, DaemonInfo.class));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"endpoint\":\"/s\",\"pid\":1,\"version\":\"v\",\"started_at\":\"yesterday\"}",
        "{\"endpoint\":\"/s\",\"pid\":1,\"version\":\"v\"}",
        "{\"endpoint\":\"/s\",\"pid\":\"1\",\"version\":\"v\",\"started_at\":\"2025-02-23T12:00:00Z\"}",
        "{\"endpoint\":\"/s\",\"pid\":1,\"version\":\"v\",\"started_at\":\"2025-02-23T12:00:00Z\",\"blob_port\":\"9\"}",
        "{\"endpoint\":\"/s\",\"pid\":1,\"version\":\"v\",\"started_at\":\"2025-02-23T12:00:00Z\",\"blob_port\":99999999999}",
        "{\"endpoint\":\"/s\",\"pid\":1,\"version\":\"v\",\"started_at\":\"2025-02-23T12:00:00Z\"",
        "[]",
        "",
    })
    void aBrokenFileIsRefusedWithTheMappersMessage(String json) {
        byte[] bytes = json.getBytes(UTF_8);
        MalformedMessageException mapper = catchThrowableOfType(MalformedMessageException.class,
                () -> Json.parse(bytes, DaemonInfo.class));
        MalformedMessageException ours = catchThrowableOfType(MalformedMessageException.class,
                () -> DaemonInfoFile.parse(bytes));

        assertThat(mapper).isNotNull();
        assertThat(ours).isNotNull();
        assertThat(ours.getMessage()).isEqualTo(mapper.getMessage());
    }
}
