package io.runtimed.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The list_rooms extension's exact JSON (a renamed field fails here, not in a user's script). */
class ListRoomsJsonTest {
    static String compact(Object o) {
        return new String(Json.compact(o), StandardCharsets.UTF_8);
    }

    @Test
    void theRequestIsExactlyTypeListRooms() throws Exception {
        assertThat(compact(new PoolRequest.ListRooms())).isEqualTo("{\"type\":\"list_rooms\"}");
        assertThat(Json.parse("{\"type\":\"list_rooms\"}".getBytes(StandardCharsets.UTF_8), PoolRequest.class))
                .isEqualTo(new PoolRequest.ListRooms());
    }

    @Test
    void theAnswerListsEachRoomsIdAndPeerCount() throws Exception {
        PoolResponse rooms = new PoolResponse.Rooms(List.of(new RoomInfo("/a/b c.ipynb", 2), new RoomInfo("笔记", 1)));
        String json = "{\"type\":\"rooms\",\"rooms\":[{\"notebook_id\":\"/a/b c.ipynb\",\"peers\":2},"
                + "{\"notebook_id\":\"笔记\",\"peers\":1}]}";
        assertThat(compact(rooms)).isEqualTo(json);
        assertThat(Json.parse(json.getBytes(StandardCharsets.UTF_8), PoolResponse.class)).isEqualTo(rooms);
    }

    @Test
    void aDaemonWithKernelsAddsHasKernelAndOnlyWhileOneRunsItsTypeSourceAndStatus() throws Exception {
        PoolResponse rooms = new PoolResponse.Rooms(List.of(
                RoomInfo.withKernel("/a/nb.ipynb", 1, "python", "uv:prewarmed", "idle"),
                RoomInfo.withoutKernel("u-1", 2)));
        String json = "{\"type\":\"rooms\",\"rooms\":[{\"notebook_id\":\"/a/nb.ipynb\",\"peers\":1,"
                + "\"has_kernel\":true,\"kernel_type\":\"python\",\"env_source\":\"uv:prewarmed\","
                + "\"kernel_status\":\"idle\"},{\"notebook_id\":\"u-1\",\"peers\":2,\"has_kernel\":false}]}";
        assertThat(compact(rooms)).isEqualTo(json);
        assertThat(Json.parse(json.getBytes(StandardCharsets.UTF_8), PoolResponse.class)).isEqualTo(rooms);
    }

    @Test
    void anOlderDaemonsRoomReadsWithTheKernelFieldsAbsent() throws Exception {
        RoomInfo old = Json.parse("{\"notebook_id\":\"nb\",\"peers\":3}".getBytes(StandardCharsets.UTF_8),
                RoomInfo.class);
        assertThat(old).isEqualTo(new RoomInfo("nb", 3));
        assertThat(old.hasKernel()).isNull();
        assertThat(old.kernelRunning()).isFalse();
    }

    @Test
    void noRoomsIsAnEmptyList() {
        assertThat(compact(new PoolResponse.Rooms(List.of()))).isEqualTo("{\"type\":\"rooms\",\"rooms\":[]}");
    }
}
