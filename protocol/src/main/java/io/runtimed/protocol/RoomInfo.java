package io.runtimed.protocol;

import java.util.Objects;

/** One open notebook room in a {@code rooms} answer: {@code {"notebook_id":…,"peers":N}}. */
public record RoomInfo(String notebookId, int peers) {
    public RoomInfo {
        Objects.requireNonNull(notebookId, "notebook_id is required");
    }
}
