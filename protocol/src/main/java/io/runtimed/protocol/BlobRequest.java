package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Objects;

/**
 * PROTOCOL.md §5: what a client may ask on the blob channel, tagged by {@code "action"}:
 * {@code {"action":"store","media_type":"image/png"}} (followed by one raw data frame) and
 * {@code {"action":"get_port"}}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "action")
@JsonSubTypes({
    @JsonSubTypes.Type(value = BlobRequest.Store.class, name = "store"),
    @JsonSubTypes.Type(value = BlobRequest.GetPort.class, name = "get_port"),
})
public sealed interface BlobRequest {
    /** The next frame carries the blob's bytes; the media type is any string and is not validated. */
    record Store(String mediaType) implements BlobRequest {
        public Store {
            Objects.requireNonNull(mediaType, "media_type is required");
        }
    }

    /** Asks for the HTTP read server's port (BLOBS.md §6). */
    record GetPort() implements BlobRequest {
    }
}
