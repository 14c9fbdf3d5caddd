package io.runtimed.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.Objects;

/**
 * BLOBS.md §2: a blob's metadata sidecar, compact JSON with the fields in this order, e.g.
 * {@code {"media_type":"image/png","size":45000,"created_at":"2026-02-23T12:00:00.123456789Z"}}.
 * A Rust daemon may read a store a Java daemon wrote, so the bytes matter.
 */
@JsonPropertyOrder({"media_type", "size", "created_at"})
public record BlobMeta(String mediaType, long size, @JsonIgnore Instant createdAt) {

    public BlobMeta {
        Objects.requireNonNull(mediaType, "media_type is required");
        Objects.requireNonNull(createdAt, "created_at is required");
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative");
        }
    }

    @JsonCreator
    static BlobMeta fromJson(
            @JsonProperty(value = "media_type", required = true) String mediaType,
            @JsonProperty(value = "size", required = true) long size,
            @JsonProperty(value = "created_at", required = true) String createdAt) {
        // BLOBS.md §2: readers accept any RFC 3339 timestamp
        return new BlobMeta(mediaType, size, DaemonInfo.parseRfc3339(createdAt));
    }

    /** RFC 3339 UTC with 0, 3, 6 or 9 fraction digits, the shortest exact one (Instant's own form). */
    @JsonProperty("created_at")
    public String createdAtText() {
        return createdAt.toString();
    }
}
